"""Planning an export from SQL counts, opening its snapshot, and recording it in the log.

`prepare_export` reads the department's events, questions and quasi-identifier counts, plans
the release and computes everything the page previews and the README states, without
reading a single response row. `survey.export.bundle` then streams the rows through it.
"""

import hmac
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row

from survey.auth.models import User
from survey.database import begin_write, utcnow
from survey.events.models import Department
from survey.export import queries
from survey.export.filters import ExportFilters, event_bounds, selector
from survey.export.kanon import QI, SUPPRESSED
from survey.export.models import ExportRecord
from survey.export.queries import EventRow
from survey.export.release import Release, ReleaseStats, plan_release, release_stats
from survey.export.schema import (
    EVENT_QIS,
    Item,
    format_value,
    items_from_questions,
    order_items,
    qi_columns,
    qi_priority,
)
from survey.extensions import db

# k counts residents, not rows: a phone that answered before and after is one resident in
# two rows. So the release is planned on weights: a row whose phone also answered the other
# phase at the event weighs 1, any other row (one phase only, or a kiosk response) weighs 2,
# and every released group must weigh 2k. A resident adds at most 2 to any group, whichever
# of their rows land in it, so a group weighing 2k holds at least k residents however the
# planner merges groups. Rows stay the unit of every figure shown or logged.
PAIRED_ROW, UNPAIRED_ROW = 1, 2


@dataclass(frozen=True)
class EventQIs:
    """An event's original quasi-identifier values, as strings ("" for a missing area)."""

    code: str  # the per-export random code written in place of the event
    values: tuple[str, ...]  # in EVENT_QIS order; the first is the event id, never written


@dataclass
class PreparedExport:
    """Everything about one export except its rows: the plan, the stats, the random keys.

    The salts and event codes are drawn fresh for every export and never stored, so two
    exports of the same data share no response id, pair id, event code or row order.
    """

    department: Department
    filters: ExportFilters
    k: int
    created_at: datetime
    items: list[Item]
    demographics: list[Item]
    events: dict[int, EventQIs]
    release: Release
    stats: ReleaseStats
    pair_links: int
    pair_links_withheld: int
    released_values: dict[str, list[str]]
    selected: Callable[[QI], bool]
    shuffle_salt: str = field(default_factory=lambda: secrets.token_hex(16))
    pair_salt: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def columns(self) -> tuple[str, ...]:
        """Return the names of the QI tuple's columns."""
        return self.release.columns


def local_day(starts_at: datetime, timezone: str) -> str:
    """Return the event's day in the department's zone, ISO "YYYY-MM-DD", no time of day."""
    return starts_at.astimezone(ZoneInfo(timezone)).date().isoformat()


def _event_codes(events: list[EventRow]) -> dict[int, str]:
    """Return a fresh random code per event ("E" and 8 hex digits), unique in this export."""
    codes: dict[int, str] = {}
    taken: set[str] = set()
    for event in events:
        code = "E" + secrets.token_hex(4)
        while code in taken:
            code = "E" + secrets.token_hex(4)
        taken.add(code)
        codes[event.id] = code
    return codes


def _event_qis(events: list[EventRow], timezone: str) -> dict[int, EventQIs]:
    codes = _event_codes(events)
    return {
        event.id: EventQIs(
            code=codes[event.id],
            values=(
                str(event.id),
                event.area or "",
                local_day(event.starts_at, timezone),
                event.kind,
                event.question_set,
            ),
        )
        for event in events
    }


def _demographic_values(row: Row[tuple[object, ...]], n: int, prefix: str) -> str:
    """Return demographic item n of a row as a QI string; text wins when both are read."""
    mapping = row._mapping
    text = mapping[f"{prefix}{n}_value_text"]
    if text is not None:
        return str(text)
    return format_value(mapping[f"{prefix}{n}_value_num"])


def row_qis(
    row: Row[tuple[object, ...]], events: dict[int, EventQIs], demographics: int
) -> tuple[QI, QI | None]:
    """Return the QI tuple of a row and of its partner row (None when it has no partner)."""
    mapping = row._mapping
    event = events[int(mapping["event_id"])].values
    channel = str(mapping["channel"])
    own = (
        *event,
        str(mapping["language"]),
        channel,
        *(_demographic_values(row, n, "d") for n in range(demographics)),
    )
    if not mapping["has_partner"]:
        return own, None
    partner = (
        *event,
        str(mapping["partner_language"]),
        channel,
        *(_demographic_values(row, n, "pd") for n in range(demographics)),
    )
    return own, partner


def pair_linked(release: Release, own: QI, partner: QI | None) -> bool:
    """Tell whether a row's pair id may be written: both rows released, and alike.

    If the two rows of a pair were released with different values (a resident switched
    language, or one row was generalized), the link would let a reader put the finer value
    back on the coarser row. Such pairs are written as two unpaired rows.
    """
    if partner is None:
        return False
    released = release.apply(own)
    return released is not None and release.apply(partner) == released


def pair_id(salt: bytes, pair_key: str) -> str:
    """Return the pair id of this export: a keyed hash of the pair key, "P" + 16 hex digits.

    Both rows of a pair get the same id without a lookup table (memory stays flat); another
    export has another salt, so its ids cannot be joined to these.
    """
    return "P" + hmac.digest(salt, pair_key.encode(), "sha256").hex()[:16]


def new_response_id() -> str:
    """Return a random response id, "R" + 16 hex digits, drawn fresh for every row."""
    return "R" + secrets.token_hex(8)


def open_snapshot() -> Connection:
    """Return a connection whose one read transaction serves the counts and the rows.

    PostgreSQL is asked for REPEATABLE READ; SQLite in WAL mode keeps the snapshot of the
    transaction's first read. Rows that arrive during a long download are therefore neither
    written nor able to shrink a group the plan counted. The caller closes the connection.

    PostgreSQL's JIT is turned off for this transaction only: the planner sees the pivot's
    join as a million-row job and spends seconds compiling it (two thirds of the query's
    time at 150,000 responses), while the work itself is a streamed merge that JIT does not
    speed up.
    """
    conn = db.engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn.exec_driver_sql("SET LOCAL jit = off")
    return conn


def prepare_export(
    conn: Connection, department: Department, filters: ExportFilters, k: int
) -> PreparedExport:
    """Return the planned export: release, selection, costs and the values the codebook lists.

    The release is planned on the whole department and the filters select released groups,
    so what the page previews is exactly what the bundle will hold. Every released group
    holds at least k residents (see PAIRED_ROW); its costs are counted in rows.
    """
    questions = queries.export_questions(conn, department.id)
    all_items = order_items(items_from_questions(questions), questions)
    demographics = [item for item in all_items if item.demographic]
    events = _event_qis(queries.export_events(conn, department.id), department.timezone)
    count_rows = queries.qi_counts(conn, department.id, demographics)

    counts: Counter[QI] = Counter()
    weights: Counter[QI] = Counter()
    partners: list[tuple[QI, QI | None, int]] = []
    for row in count_rows:
        own, partner = row_qis(row, events, len(demographics))
        n = int(row._mapping["n"])
        counts[own] += n
        weights[own] += n * (PAIRED_ROW if partner is not None else UNPAIRED_ROW)
        partners.append((own, partner, n))
    release = plan_release(
        weights,
        qi_columns(demographics),
        len(EVENT_QIS),
        UNPAIRED_ROW * k,
        qi_priority(demographics),
    )
    selected = selector(filters)
    linked = withheld = 0
    for own, partner, n in partners:
        released = release.apply(own)
        if partner is None or released is None or not selected(released):
            continue
        if pair_linked(release, own, partner):
            linked += n
        else:
            withheld += n

    bounded = {event_id for event_id, _ in _bounded_events(events, filters, department)}
    used_sets = {events[event_id].values[EVENT_QIS.index("question_set")] for event_id in bounded}
    items = [
        _limited_to(item, used_sets)
        for item in all_items
        if set(item.versions) & used_sets and (filters.with_comments or not item.is_text)
    ]
    return PreparedExport(
        department=department,
        filters=filters,
        k=k,
        created_at=utcnow(),
        items=items,
        demographics=demographics,
        events=events,
        release=release,
        stats=release_stats(counts, release, selected),
        pair_links=linked // 2,
        pair_links_withheld=withheld,
        released_values=_released_values(counts, release, selected),
        selected=selected,
    )


def _limited_to(item: Item, question_sets: set[str]) -> Item:
    """Return the item as the exported question sets know it: their versions and wordings."""
    wordings = tuple(
        (en, es, tuple(name for name in sets if name in question_sets))
        for en, es, sets in item.wordings
        if set(sets) & question_sets
    )
    versions = tuple(name for name in item.versions if name in question_sets)
    return replace(item, versions=versions, wordings=wordings)


def _bounded_events(
    events: dict[int, EventQIs], filters: ExportFilters, department: Department
) -> Iterator[tuple[int, EventQIs]]:
    """Yield the events whose original values pass the filters (the SQL pre-filter's set)."""
    area, day, kind = (EVENT_QIS.index(name) for name in ("area", "event_date", "event_kind"))
    for event_id, event in events.items():
        values = event.values
        if filters.areas and values[area] not in filters.areas:
            continue
        if filters.kinds and values[kind] not in filters.kinds:
            continue
        if filters.date_from and values[day] < filters.date_from.isoformat():
            continue
        if filters.date_to and values[day] > filters.date_to.isoformat():
            continue
        yield event_id, event


def _released_values(
    counts: Counter[QI], release: Release, selected: Callable[[QI], bool]
) -> dict[str, list[str]]:
    """Return, per QI column, the released values present in the selection, sorted.

    The codebook lists these and nothing else, so a value suppressed everywhere (a rare
    area) is not revealed by the codebook either.
    """
    values: dict[str, set[str]] = {name: set() for name in release.columns}
    for combo, count in counts.items():
        released = release.apply(combo)
        if count > 0 and released is not None and selected(released):
            for name, value in zip(release.columns, released, strict=True):
                values[name].add(value)
    return {
        name: sorted(found, key=lambda v: (v == SUPPRESSED, v)) for name, found in values.items()
    }


def bounds_for(prepared: PreparedExport) -> queries.EventBounds:
    """Return the SQL pre-filter for the prepared export's rows."""
    return event_bounds(prepared.filters, prepared.department.timezone)


def record_export(prepared: PreparedExport, user: User | None) -> ExportRecord:
    """Write the export to the department's log (user None means the command line).

    Called before the first byte of the bundle is produced, so an export that is
    interrupted half way is still on record.
    """
    begin_write(db.session())
    record = ExportRecord(
        department_id=prepared.department.id,
        user_id=user.id if user is not None else None,
        source="web" if user is not None else "cli",
        created_at=prepared.created_at,
        filters=prepared.filters.as_json(),
        with_comments=prepared.filters.with_comments,
        k=prepared.k,
        rows_written=prepared.stats.rows,
        rows_dropped=prepared.stats.rows_dropped,
        cells_suppressed=prepared.stats.cells_generalized,
        pair_links_withheld=prepared.pair_links_withheld,
    )
    db.session.add(record)
    db.session.commit()
    return record


def begin_export(
    department: Department, filters: ExportFilters, k: int, user: User | None
) -> tuple[PreparedExport, Connection]:
    """Plan an export on a fresh snapshot and log it; return the plan and the open snapshot.

    The caller streams the rows from the snapshot (`survey.export.bundle.stream_bundle`),
    which closes it. Nothing is logged and the snapshot is closed if planning fails.
    """
    conn = open_snapshot()
    try:
        prepared = prepare_export(conn, department, filters, k)
        record_export(prepared, user)
    except BaseException:
        conn.close()
        raise
    return prepared, conn


def preview_export(department: Department, filters: ExportFilters, k: int) -> PreparedExport:
    """Return the plan of an export without logging it or reading a row, for the page.

    The snapshot is short-lived: the preview shows counts, and the download plans again on
    its own snapshot, which gives the same figures unless responses arrived in between.
    """
    conn = open_snapshot()
    try:
        return prepare_export(conn, department, filters, k)
    finally:
        conn.close()
