"""SQL for exports: events, questions, quasi-identifier counts and the shuffled row stream.

Every function takes the export's own Connection, so the counts the anonymization is planned
from and the rows it is applied to come from one snapshot (one read transaction; REPEATABLE
READ on PostgreSQL). Responses are never loaded into a list: the counts are a GROUP BY and
the rows are streamed in the order of a keyed hash the database computes.
"""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Row,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
)

from survey.auth.models import User
from survey.events.models import Event, Question, QuestionSet
from survey.export.models import ExportRecord
from survey.export.schema import Item, QuestionRow, question_row
from survey.extensions import db
from survey.responses.models import Answer, Response

_responses = Response.__table__
_answers = Answer.__table__
_events = Event.__table__
r = _responses.alias("r")
p = _responses.alias("p")  # the other phase of the same phone at the same event
e = _events.alias("e")
a = _answers.alias("a")  # the response's own answers
pa = _answers.alias("pa")  # its partner's answers, read for demographic items only

SHUFFLE_FUNCTION = "export_shuffle_key"
ANSWER_COLUMNS = ("value_num", "value_text")
STREAM_BATCH = 1000


@dataclass(frozen=True)
class EventRow:
    """An event as the export sees it: its quasi-identifiers before generalization."""

    id: int
    area: str | None
    kind: str
    starts_at: datetime
    question_set: str


@dataclass(frozen=True)
class EventBounds:
    """A pre-filter on the events' original values, in UTC; None or () means no limit."""

    starts_from: datetime | None = None
    starts_before: datetime | None = None
    areas: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


def export_events(conn: Connection, department_id: int) -> list[EventRow]:
    """Return every event of the department with its question-set label."""
    rows = conn.execute(
        select(
            _events.c.id,
            _events.c.area,
            _events.c.kind,
            _events.c.starts_at,
            QuestionSet.name,
            QuestionSet.version,
        )
        .join(QuestionSet, QuestionSet.id == _events.c.question_set_id)
        .where(_events.c.department_id == department_id)
        .order_by(_events.c.id)
    )
    return [
        EventRow(
            id=row.id,
            area=row.area,
            kind=row.kind,
            starts_at=row.starts_at,
            question_set=f"{row.name} v{row.version}",
        )
        for row in rows
    ]


def export_questions(conn: Connection, department_id: int) -> list[QuestionRow]:
    """Return every question of the department's question sets, newest version first."""
    rows = conn.execute(
        select(
            Question.id,
            Question.code,
            Question.kind,
            Question.phase,
            Question.demographic,
            Question.text_en,
            Question.text_es,
            Question.choices,
            QuestionSet.name.label("set_name"),
            QuestionSet.version,
        )
        .join(QuestionSet, QuestionSet.id == Question.question_set_id)
        .where(QuestionSet.department_id == department_id)
        .order_by(QuestionSet.created_at.desc(), QuestionSet.version.desc(), Question.position)
    )
    return [question_row(row) for row in rows]


def _joined() -> FromClause:
    """Return responses joined to their event and to the other phase of the same phone.

    The unique constraint on (event_id, phase, pair_key) makes the partner unique and its
    index finds it in one lookup (hence the other phase spelled out, not `phase <>`); kiosk
    rows have no pair_key and join nothing.
    """
    other_phase = case((r.c.phase == "before", "after"), else_="before")
    return r.join(e, e.c.id == r.c.event_id).outerjoin(
        p,
        and_(
            p.c.event_id == r.c.event_id,
            p.c.phase == other_phase,
            p.c.pair_key == r.c.pair_key,
        ),
    )


def _pick(answers: FromClause, item: Item, column: str) -> ColumnElement[object]:
    """Return an item's answer out of a response's joined answer rows, or NULL if unused.

    The answers are pivoted by conditional aggregation: each response's answer rows are
    joined once and grouped, and max() keeps the one row whose question is the item's (a
    response's event has one question set, so at most one of the item's ids matches). The
    column an item never uses is a literal NULL, so every row has the same keys for nothing.
    """
    wanted = item.reads_number if column == "value_num" else item.reads_text
    if not wanted:
        return null()
    return func.max(case((answers.c.question_id.in_(item.question_ids), answers.c[column])))


def _question_ids(items: Sequence[Item]) -> list[int]:
    """Return every question id of the items, to join only the answers an export reads."""
    return [question_id for item in items for question_id in item.question_ids]


def _pivoted(own: Sequence[Item], partner: Sequence[Item]) -> tuple[FromClause, bool]:
    """Return the joined rows with the answers to pivot, and whether they must be grouped.

    The response's answers to `own` items and its partner's answers to `partner` items are
    outer-joined once each; a response has one answer per question, and a partner at most
    one per demographic item, so a response spans at most len(own) * len(partner) joined
    rows before the GROUP BY folds them back into one. With nothing to read there is
    nothing to join or group.
    """
    joined = _joined()
    own_ids, partner_ids = _question_ids(own), _question_ids(partner)
    if own_ids:
        joined = joined.outerjoin(a, and_(a.c.response_id == r.c.id, a.c.question_id.in_(own_ids)))
    if partner_ids:
        joined = joined.outerjoin(
            pa, and_(pa.c.response_id == p.c.id, pa.c.question_id.in_(partner_ids))
        )
    return joined, bool(own_ids or partner_ids)


def _demographics(demographics: Sequence[Item]) -> list[ColumnElement[object]]:
    """Return, per demographic item, the respondent's answer and their partner row's answer.

    Demographic answers describe the person, so on a before/after pair an answer given in
    either phase counts for both rows (own answer first). Were the rows' values to differ,
    the release would tell them apart and the export would withhold their pair link.
    """
    columns: list[ColumnElement[object]] = []
    for n, item in enumerate(demographics):
        for column in ANSWER_COLUMNS:
            own, other = _pick(a, item, column), _pick(pa, item, column)
            columns.append(func.coalesce(own, other).label(f"d{n}_{column}"))
            columns.append(func.coalesce(other, own).label(f"pd{n}_{column}"))
    return columns


def _row_qis(demographics: Sequence[Item]) -> list[ColumnElement[object]]:
    """Return the per-row inputs of the QI tuple, for the row and for its partner."""
    return [
        r.c.event_id,
        r.c.language,
        r.c.channel,
        case((p.c.id.is_not(None), 1), else_=0).label("has_partner"),
        p.c.language.label("partner_language"),
        *_demographics(demographics),
    ]


def qi_counts(
    conn: Connection, department_id: int, demographics: Sequence[Item]
) -> list[Row[tuple[object, ...]]]:
    """Return rows per distinct (event, language, channel, demographics, partner's values).

    One GROUP BY over the whole department: the release is planned department-wide, so
    every filtered export is a selection of whole groups of the same k-anonymous release.
    Each row ends with `n`, its number of responses.
    """
    joined, grouped = _pivoted(demographics, demographics)
    per_response = (
        select(*_row_qis(demographics))
        .select_from(joined)
        .where(e.c.department_id == department_id)
    )
    if grouped:
        per_response = per_response.group_by(r.c.id, p.c.id)
    inner = per_response.subquery("qi")
    return list(conn.execute(select(*inner.c, func.count().label("n")).group_by(*inner.c)))


def _md5_hex(salt: str, response_id: int) -> str:
    """Return md5(salt || id) as hex, the same key PostgreSQL's md5() gives.

    md5 is used as a keyed shuffle, not for integrity: with a secret 128-bit salt that is
    thrown away after the export, the order reveals nothing about ids or submission times.
    """
    return hashlib.md5(f"{salt}{response_id}".encode(), usedforsecurity=False).hexdigest()


def _shuffle_key(conn: Connection, salt: str) -> ColumnElement[str]:
    """Return a per-export random order key computed by the database for every row.

    PostgreSQL has md5(); SQLite has no hash function, so the same md5 is registered on
    this connection. A sort on this key shuffles rows without Python holding them.
    """
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.create_function(  # type: ignore[union-attr]
            SHUFFLE_FUNCTION, 2, _md5_hex, deterministic=True
        )
        return getattr(func, SHUFFLE_FUNCTION)(literal(salt), r.c.id)
    return func.md5(literal(salt, String) + cast(r.c.id, String))


def _bounded(bounds: EventBounds) -> list[ColumnElement[bool]]:
    """Return WHERE conditions for the events' original values."""
    conditions: list[ColumnElement[bool]] = []
    if bounds.starts_from is not None:
        conditions.append(e.c.starts_at >= bounds.starts_from)
    if bounds.starts_before is not None:
        conditions.append(e.c.starts_at < bounds.starts_before)
    if bounds.areas:
        conditions.append(e.c.area.in_(bounds.areas))
    if bounds.kinds:
        conditions.append(e.c.kind.in_(bounds.kinds))
    return conditions


def response_stream(
    conn: Connection,
    department_id: int,
    bounds: EventBounds,
    items: Sequence[Item],
    demographics: Sequence[Item],
    salt: str,
) -> Iterator[Row[tuple[object, ...]]]:
    """Yield every response of the department's bounded events in shuffled order.

    Each row has the QI inputs of `qi_counts`, then phase, pair_key, the indices, sentiment
    and `i{n}_value_num` / `i{n}_value_text` per item. Ids and pair keys are selected only to
    be hashed or looked up; the bundle writer never writes them. Rows arrive in batches
    from a server-side cursor (PostgreSQL) or SQLite's own stepping, so memory stays flat.
    """
    answers = [
        _pick(a, item, column).label(f"i{n}_{column}")
        for n, item in enumerate(items)
        for column in ANSWER_COLUMNS
    ]
    joined, grouped = _pivoted([*items, *demographics], demographics)
    statement = (
        select(
            *_row_qis(demographics),
            r.c.phase,
            r.c.pair_key,
            r.c.trust_index,
            r.c.safety_index,
            r.c.sentiment,
            *answers,
        )
        .select_from(joined)
        .where(e.c.department_id == department_id, *_bounded(bounds))
        .order_by(_shuffle_key(conn, salt))
        .execution_options(yield_per=STREAM_BATCH)
    )
    if grouped:
        # Grouping by the two primary keys lets PostgreSQL read every other column of r
        # and p as functionally dependent on them; SQLite allows it anyway.
        statement = statement.group_by(r.c.id, p.c.id)
    yield from conn.execute(statement)


def export_records(department_id: int) -> list[Row[tuple[object, ...]]]:
    """Return the department's export log, newest first, with the exporting user's e-mail."""
    return list(
        db.session.execute(
            select(ExportRecord, User.email)
            .outerjoin(User, User.id == ExportRecord.user_id)
            .where(ExportRecord.department_id == department_id)
            .order_by(ExportRecord.created_at.desc(), ExportRecord.id.desc())
        )
    )


def area_choices(department_id: int, listed: Sequence[str]) -> list[str]:
    """Return the areas a researcher can filter on: the department's list, then event areas."""
    used = db.session.scalars(
        select(_events.c.area)
        .where(_events.c.department_id == department_id, _events.c.area.is_not(None))
        .distinct()
        .order_by(_events.c.area)
    )
    return list(dict.fromkeys([*listed, *used]))
