"""What a researcher asked for, and which released rows that selects.

Filters act on *released* values: an export limited to one area holds the rows released with
that area, never rows whose area was suppressed. A selection is therefore always a union of
whole released groups of the one department-wide release, so every export is k-anonymous
and two exports with different filters cannot be subtracted from each other to isolate a
resident whose area (or date, or kind) was suppressed.
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from survey.export.kanon import QI
from survey.export.queries import EventBounds
from survey.export.schema import EVENT_QIS

AREA, DATE, KIND = (EVENT_QIS.index(name) for name in ("area", "event_date", "event_kind"))


@dataclass(frozen=True)
class ExportFilters:
    """A date range of event days (local time), areas, event kinds, and whether to add text."""

    date_from: date | None = None
    date_to: date | None = None
    areas: tuple[str, ...] = field(default_factory=tuple)
    kinds: tuple[str, ...] = field(default_factory=tuple)
    with_comments: bool = False

    def as_json(self) -> dict[str, Any]:
        """Return the filters as the export log and the README record them."""
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "areas": list(self.areas),
            "kinds": list(self.kinds),
        }

    def describe(self) -> str:
        """Return the filters in one line of plain English."""
        dates = "all dates"
        if self.date_from or self.date_to:
            dates = f"events from {self.date_from or 'the first'} to {self.date_to or 'the last'}"
        areas = ", ".join(self.areas) if self.areas else "all areas"
        kinds = ", ".join(self.kinds) if self.kinds else "all event kinds"
        text = "with free-text answers (scrubbed)" if self.with_comments else "without free text"
        return f"{dates}; {areas}; {kinds}; {text}"


def released_span(value: str) -> tuple[date, date] | None:
    """Return the first and last day a released event date covers: a day, month or year.

    "*" and "" (suppressed, missing) cover no known span and return None.
    """
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return day, day
        if len(value) == 7:
            year, month = int(value[:4]), int(value[5:])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if len(value) == 4:
            return date(int(value), 1, 1), date(int(value), 12, 31)
    except ValueError:
        return None
    return None


def selector(filters: ExportFilters) -> Callable[[QI], bool]:
    """Return a test of a released QI tuple against the filters.

    A generalized date is kept only if the whole month or year lies inside the range, so a
    row never shows a date outside what was asked for; a suppressed area, date or kind is
    kept only when that filter is not used.
    """

    def selected(released: QI) -> bool:
        if filters.areas and released[AREA] not in filters.areas:
            return False
        if filters.kinds and released[KIND] not in filters.kinds:
            return False
        if filters.date_from or filters.date_to:
            span = released_span(released[DATE])
            if span is None:
                return False
            if filters.date_from and span[0] < filters.date_from:
                return False
            if filters.date_to and span[1] > filters.date_to:
                return False
        return True

    return selected


def event_bounds(filters: ExportFilters, timezone: str) -> EventBounds:
    """Return the SQL pre-filter on original event values: a superset of what is selected.

    A released value passes a filter only if the original does, so rows outside these bounds
    can never be selected and need not be read. Days are the department's local days.
    """
    zone = ZoneInfo(timezone)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone)

    return EventBounds(
        starts_from=start_of(filters.date_from) if filters.date_from else None,
        starts_before=start_of(filters.date_to + timedelta(days=1)) if filters.date_to else None,
        areas=filters.areas,
        kinds=filters.kinds,
    )
