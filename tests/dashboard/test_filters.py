"""Parsing the trends form: what a bookmarked or hand-edited URL turns into."""

from datetime import UTC, date, datetime

from survey.dashboard.filters import TrendFilters, parse_filters
from survey.events.models import EVENT_KINDS

AREAS = ["Northside", "Southside"]


def parse(**args):
    return parse_filters({key: list(value) for key, value in args.items()}, AREAS, EVENT_KINDS)


def test_defaults_are_every_area_and_kind_per_month():
    assert parse() == TrendFilters()


def test_known_values_are_kept():
    filters = parse(
        area=["Southside", "Northside"],
        kind=["town-hall"],
        **{"from": ["2025-01-01"], "to": ["2025-06-30"]},
        by=["event"],
    )
    assert filters.areas == ("Northside", "Southside")
    assert filters.kind == "town-hall"
    assert (filters.start, filters.end) == (date(2025, 1, 1), date(2025, 6, 30))
    assert filters.grain == "event"
    assert filters.errors == ()


def test_unknown_values_are_dropped_quietly():
    filters = parse(area=["Atlantis", "Northside"], kind=["parade"], by=["decade"])
    assert filters.areas == ("Northside",)
    assert filters.kind is None
    assert filters.grain == "month"
    assert filters.errors == ()


def test_bad_dates_are_dropped_with_a_reason():
    filters = parse(**{"from": ["31/12/2025"], "to": ["2025-02-30"]})
    assert (filters.start, filters.end) == (None, None)
    assert len(filters.errors) == 2
    reversed_range = parse(**{"from": ["2025-03-01"], "to": ["2025-02-01"]})
    assert (reversed_range.start, reversed_range.end) == (None, None)
    assert reversed_range.errors == ("The date range ends before it starts; it was ignored.",)


def test_the_range_covers_whole_local_days_across_daylight_saving():
    filters = TrendFilters(start=date(2025, 3, 9), end=date(2025, 11, 2))
    start, end = filters.utc_bounds("America/Chicago")
    # Midnight in Chicago is 06:00 UTC in winter (CST) and 05:00 UTC in summer (CDT).
    assert start == datetime(2025, 3, 9, 6, tzinfo=UTC)
    assert end == datetime(2025, 11, 3, 6, tzinfo=UTC)


def test_query_args_repeat_the_filters_for_csv_links():
    filters = parse(area=["Northside"], kind=["other"], **{"from": ["2025-01-01"]})
    assert filters.query_args() == {
        "by": "month",
        "area": ["Northside"],
        "kind": "other",
        "from": "2025-01-01",
    }


def test_dates_no_local_midnight_can_hold_are_dropped_with_a_reason():
    filters = parse(**{"from": ["0001-01-01"], "to": ["9999-12-31"]})
    assert (filters.start, filters.end) == (None, None)
    assert filters.errors == (
        "From date '0001-01-01' is outside the years 1900 to 2999; it was ignored.",
        "To date '9999-12-31' is outside the years 1900 to 2999; it was ignored.",
    )
    edges = parse(**{"from": ["1900-01-01"], "to": ["2999-12-31"]})
    assert (edges.start, edges.end) == (date(1900, 1, 1), date(2999, 12, 31))
    assert edges.utc_bounds("Pacific/Kiritimati")[1] == datetime(2999, 12, 31, 10, tzinfo=UTC)
