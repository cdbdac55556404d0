"""Trend lines across events: per-event and per-month points, and their tables.

Pure: takes the per-event sums from queries.py and returns rounded points. A month is pooled
from its events' sums (count, sum and sum of squares add up exactly), with months taken in
the department's own time zone so a National Night Out on the evening of 31 July stays in
July. Only events shown on their own are pooled: an event phase below the minimum size is
left out of every figure and listed, so no figure minus another reveals it.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from survey.analytics.groups import EMPTY, Sums
from survey.analytics.stats import Interval, is_suppressed, mean_ci, suppression_label
from survey.dashboard.filters import GRAINS
from survey.dashboard.report import INDEX_SCALE, Scale, rounded_interval
from survey.dashboard.rows import EventPhaseRow
from survey.dashboard.tables import Column, Table

NO_AREA = "No area"
PHASE_ORDER = {"before": 0, "after": 1}
# Trend groups whose interval is remembered: a few departments' worth of events and months.
MEAN_CACHE_SIZE = 8192


@dataclass(frozen=True, slots=True)
class Metric:
    """A measure that trends chart: which sums it reads and the scale it lives on."""

    key: str
    title: str
    unit: str
    scale: Scale


METRICS = {
    "trust": Metric("trust", "Trust index", "0-100", INDEX_SCALE),
    "safety": Metric("safety", "Safety index", "0-100", INDEX_SCALE),
    "sentiment": Metric(
        "sentiment", "Mean comment sentiment", "polarity, -1 to 1", Scale(-1.0, 1.0, 3)
    ),
}


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One shown point: where and when, which phase, n, and the rounded mean with its CI.

    ``left_out`` names the events ("name (date)") of the same area, month and phase that had
    too few responses to count; always empty per event.
    """

    area: str
    period: str
    day: str
    phase: str
    n: int
    mean: float | None
    low: float | None
    high: float | None
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A row with no shown event: where and when, which phase, and the events it would hold."""

    area: str
    period: str
    day: str
    phase: str
    events: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, str, str, str]:
        """The row's leading cells, as a shown point's would be."""
        return (self.area, self.period, self.day, self.phase)


@dataclass(frozen=True, slots=True)
class Trend:
    """One chart's points, in area, date and phase order, and the rows left out."""

    metric: Metric
    grain: str
    points: tuple[TrendPoint, ...]
    suppressed: tuple[LeftOut, ...]

    @property
    def areas(self) -> list[str]:
        """The areas with at least one shown point, in chart order."""
        seen: dict[str, None] = {}
        for point in self.points:
            seen.setdefault(point.area)
        return list(seen)


def _area_key(area: str) -> tuple[bool, str]:
    return (area == NO_AREA, area.casefold())


@lru_cache(maxsize=MEAN_CACHE_SIZE)
def shown_mean(sums: Sums, scale: Scale) -> Interval:
    """Return a group's mean and 95% CI, clipped to the scale and rounded for display.

    Remembered per (sums, scale): the t quantile behind each interval is the costliest
    step of the page, and a past event's (or month's) sums never change, so reloading or
    refiltering the trends computes only the groups that gained responses. Every input is
    in the key, so a cached interval is always the one the sums give.
    """
    return rounded_interval(mean_ci(sums.summary()), scale.low, scale.high, scale.digits)


def event_labels(rows: Sequence[EventPhaseRow], timezone: str) -> dict[int, str]:
    """Return each event's label: its name, with its local start time if another shares both.

    Two events of one area may share a name and a day; each is a group of its own (pooling
    them would show two small events as one large one), so each needs its own label.
    """
    zone = ZoneInfo(timezone)
    local = {row.event_id: (row, row.starts_at.astimezone(zone)) for row in rows}
    named = Counter((row.area, row.name, at.date()) for row, at in local.values())
    timed = Counter((row.area, row.name, at) for row, at in local.values())
    labels = {}
    for event_id, (row, at) in local.items():
        label = row.name
        if named[(row.area, row.name, at.date())] > 1:
            label = f"{row.name}, {at:%H:%M}"
            if timed[(row.area, row.name, at)] > 1:
                label = f"{label}, event {event_id}"
        labels[event_id] = label
    return labels


def build_trend(
    rows: Iterable[EventPhaseRow],
    metric: Metric,
    grain: str,
    timezone: str,
    min_group_size: int,
) -> Trend:
    """Return the metric's points per event or per month, each area and phase apart.

    Whether responses may be shown is decided once, for each event's phase: n is the number
    of its responses with a value for this metric. A phase below the minimum is left out of
    every figure, and a month pools only the event phases shown on their own and names the
    ones it leaves out. Pooling small events into a month would let anyone subtract a shown
    event from its month (or one filtered view from another) and read the small one.
    """
    zone = ZoneInfo(timezone)
    ordered = sorted(rows, key=lambda r: (r.starts_at, r.event_id, PHASE_ORDER[r.phase]))
    labels = event_labels(ordered, timezone)
    shown: dict[tuple[str, str, str, str], Sums] = {}
    left_out: dict[tuple[str, str, str, str], list[str]] = {}
    for row in ordered:
        local = row.starts_at.astimezone(zone)
        area = row.area or NO_AREA
        day = local.date().isoformat()
        if grain == "event":
            key = (area, labels[row.event_id], day, row.phase)
        else:
            key = (area, f"{local:%Y-%m}", f"{local:%Y-%m}-01", row.phase)
        sums: Sums = getattr(row, metric.key)
        if is_suppressed(sums.n, min_group_size):
            left_out.setdefault(key, []).append(f"{labels[row.event_id]} ({day})")
        else:
            shown[key] = shown.get(key, EMPTY) + sums
    points = []
    suppressed = []
    order = sorted(
        shown.keys() | left_out.keys(),
        key=lambda k: (_area_key(k[0]), k[2], k[1], PHASE_ORDER[k[3]]),
    )
    for key in order:
        events = tuple(left_out.get(key, ()))
        pooled = shown.get(key)
        if pooled is None:
            suppressed.append(LeftOut(*key, events))
            continue
        iv = shown_mean(pooled, metric.scale)
        points.append(TrendPoint(*key, pooled.n, iv.estimate, iv.low, iv.high, events))
    return Trend(metric, grain, tuple(points), tuple(suppressed))


def left_out_note(events: Sequence[str], min_group_size: int) -> str:
    """Return a shown month's note naming the events it leaves out, or "" when it has none."""
    if not events:
        return ""
    label = suppression_label(min_group_size)
    if len(events) == 1:
        return f"leaves out 1 event with {label}: {events[0]}"
    return f"leaves out {len(events)} events with {label} each: {'; '.join(events)}"


def empty_month_note(events: Sequence[str], min_group_size: int) -> str:
    """Return the note of a month none of whose events could be shown, naming them."""
    label = suppression_label(min_group_size)
    if len(events) == 1:
        return f"its 1 event had {label}: {events[0]}"
    return f"each of its {len(events)} events had {label}: {'; '.join(events)}"


def trend_table(trend: Trend, min_group_size: int) -> Table:
    """Return a trend's points as the page's table and the CSV's rows.

    Per event, a left-out row reads like any small group. Per month, every left-out event
    is named once: in the note of its month's row, or, when none of the month's events
    could be shown, in the note of the month's left-out row.
    """
    period = "Event" if trend.grain == "event" else "Month"
    columns = (
        Column("Area"),
        Column(period),
        Column("Date" if trend.grain == "event" else "Month start", "text", "Date"),
        Column("Phase"),
        Column("n", "count"),
        Column(f"{trend.metric.title} mean", "number", "Mean"),
        Column("95% CI low", "low", "95% CI"),
        Column("95% CI high", "high"),
        Column("Note", "note"),
    )
    rows = tuple(
        (
            p.area,
            p.period,
            p.day,
            p.phase,
            p.n,
            p.mean,
            p.low,
            p.high,
            left_out_note(p.left_out, min_group_size),
        )
        for p in trend.points
    )
    notes: tuple[str, ...] = ()
    if trend.grain == "month":
        notes = tuple(empty_month_note(row.events, min_group_size) for row in trend.suppressed)
    return Table(
        trend.metric.key,
        f"{trend.metric.title} {GRAINS[trend.grain]}",
        columns,
        rows,
        tuple(row.labels for row in trend.suppressed),
        suppression_label(min_group_size),
        notes,
    )
