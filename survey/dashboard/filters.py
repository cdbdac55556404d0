"""The trends page's filters: areas, event kind, a local date range and the grain, from a URL.

A bookmarked or hand-edited query string always gives a page: what makes no sense is
dropped, with a message where the user would otherwise wonder why.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GRAINS = {"month": "per month", "event": "per event"}
# The date filter's accepted range: wide enough for any event, far from datetime's limits.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


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
