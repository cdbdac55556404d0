"""Trend lines across events: filters, per-event and per-month points, and their tables.

Pure: takes the per-event sums from queries.py and returns rounded points. A month is pooled
from its events' sums (count, sum and sum of squares add up exactly), with months taken in
the department's own time zone so a National Night Out on the evening of 31 July stays in
July. Groups below the minimum size are left out and listed.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from survey.analytics.groups import EMPTY, Sums
from survey.analytics.stats import Interval, is_suppressed, mean_ci, suppression_label
from survey.dashboard.report import INDEX_SCALE, Scale, rounded_interval
from survey.dashboard.rows import EventPhaseRow
from survey.dashboard.tables import Column, Table

GRAINS = {"month": "per month", "event": "per event"}
NO_AREA = "No area"
PHASE_ORDER = {"before": 0, "after": 1}
# Trend groups whose interval is remembered: a few departments' worth of events and months.
MEAN_CACHE_SIZE = 8192
# The date filter's accepted range: wide enough for any event, far from datetime's limits.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


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
class TrendFilters:
    """What the trends page shows: areas, event kind, a local date range and the grain."""

    areas: tuple[str, ...] = ()
    kind: str | None = None
    start: date | None = None
    end: date | None = None
    grain: str = "month"
    errors: tuple[str, ...] = field(default=())

    def query_args(self) -> dict[str, str | list[str]]:
        """Return the filters as URL query arguments, for CSV links that repeat them."""
        args: dict[str, str | list[str]] = {"by": self.grain}
        if self.areas:
            args["area"] = list(self.areas)
        if self.kind:
            args["kind"] = self.kind
        if self.start:
            args["from"] = self.start.isoformat()
        if self.end:
            args["to"] = self.end.isoformat()
        return args

    def utc_bounds(self, timezone: str) -> tuple[datetime | None, datetime | None]:
        """Return [start, end) in UTC: local midnight of ``start`` to the day after ``end``."""
        zone = ZoneInfo(timezone)

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

        return (
            None if self.start is None else midnight(self.start),
            None if self.end is None else midnight(self.end + timedelta(days=1)),
        )


def _one(args: Mapping[str, Sequence[str]], name: str) -> str:
    values = args.get(name) or [""]
    return values[0].strip()


def _day(text: str, label: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors.append(f"{label} date {text!r} is not a date like 2024-08-06; it was ignored.")
        return None
    if not EARLIEST <= day <= LATEST:
        # Local midnight of 9999-12-31 + 1 day, or of 0001-01-01 east of UTC, has no datetime.
        errors.append(
            f"{label} date {text!r} is outside the years {EARLIEST.year} to {LATEST.year}; "
            "it was ignored."
        )
        return None
    return day


def parse_filters(
    args: Mapping[str, Sequence[str]], areas: Iterable[str], kinds: Iterable[str]
) -> TrendFilters:
    """Return the filters a GET form asked for; a value that makes no sense is dropped.

    Unknown areas or kinds are ignored rather than refused, so an old bookmark still shows
    a page; a malformed or reversed date range is ignored with a message saying so.
    """
    known_areas = set(areas)
    errors: list[str] = []
    chosen = tuple(sorted({a for a in args.get("area", []) if a in known_areas}))
    kind = _one(args, "kind")
    start = _day(_one(args, "from"), "From", errors)
    end = _day(_one(args, "to"), "To", errors)
    if start and end and end < start:
        errors.append("The date range ends before it starts; it was ignored.")
        start = end = None
    grain = _one(args, "by")
    return TrendFilters(
        areas=chosen,
        kind=kind if kind in set(kinds) else None,
        start=start,
        end=end,
        grain=grain if grain in GRAINS else "month",
        errors=tuple(errors),
    )


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One shown point: where and when, which phase, n, and the rounded mean with its CI."""

    area: str
    period: str
    day: str
    phase: str
    n: int
    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Trend:
    """One chart's points, in area, date and phase order, and the groups left out."""

    metric: Metric
    grain: str
    points: tuple[TrendPoint, ...]
    suppressed: tuple[tuple[str, str, str, str], ...]

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


def build_trend(
    rows: Iterable[EventPhaseRow],
    metric: Metric,
    grain: str,
    timezone: str,
    min_group_size: int,
) -> Trend:
    """Return the metric's points per event or per month, each area and phase apart."""
    zone = ZoneInfo(timezone)
    groups: dict[tuple[str, str, str, str], Sums] = {}
    for row in rows:
        local = row.starts_at.astimezone(zone)
        area = row.area or NO_AREA
        if grain == "event":
            key = (area, row.name, local.date().isoformat(), row.phase)
        else:
            key = (area, f"{local:%Y-%m}", f"{local:%Y-%m}-01", row.phase)
        # Two events may share a name and a day in one area; they then pool like a month.
        groups[key] = groups.get(key, EMPTY) + getattr(row, metric.key)
    points = []
    suppressed = []
    for key in sorted(groups, key=lambda k: (_area_key(k[0]), k[2], k[1], PHASE_ORDER[k[3]])):
        sums = groups[key]
        if is_suppressed(sums.n, min_group_size):
            suppressed.append(key)
            continue
        iv = shown_mean(sums, metric.scale)
        points.append(TrendPoint(*key, sums.n, iv.estimate, iv.low, iv.high))
    return Trend(metric, grain, tuple(points), tuple(suppressed))


def trend_table(trend: Trend, min_group_size: int) -> Table:
    """Return a trend's points as the page's table and the CSV's rows."""
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
        (p.area, p.period, p.day, p.phase, p.n, p.mean, p.low, p.high, "") for p in trend.points
    )
    return Table(
        trend.metric.key,
        f"{trend.metric.title} {GRAINS[trend.grain]}",
        columns,
        rows,
        trend.suppressed,
        suppression_label(min_group_size),
    )
