"""Filters act on released values, so a selection is always whole k-anonymous groups."""

from datetime import date

import pytest

from survey.export.filters import ExportFilters, event_bounds, released_span, selector


def released(area="Northside", day="2026-08-04", kind="national-night-out"):
    return ("E1", area, day, kind, "Set v1", "en", "qr")


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2026-08-04", (date(2026, 8, 4), date(2026, 8, 4))),
        ("2026-02", (date(2026, 2, 1), date(2026, 2, 28))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2026", (date(2026, 1, 1), date(2026, 12, 31))),
        ("*", None),
        ("", None),
        ("2026-13", None),
    ],
)
def test_released_dates_cover_a_day_a_month_or_a_year(value, span):
    assert released_span(value) == span


def test_a_generalized_date_is_selected_only_inside_the_range():
    august = selector(ExportFilters(date_from=date(2026, 8, 1), date_to=date(2026, 8, 31)))
    assert august(released(day="2026-08-04"))
    assert august(released(day="2026-08"))
    assert not august(released(day="2026"))
    assert not august(released(day="*"))
    assert not august(released(day="2026-09-01"))
    assert selector(ExportFilters())(released(day="*"))


def test_a_suppressed_area_or_kind_is_left_out_when_areas_or_kinds_are_chosen():
    north = selector(ExportFilters(areas=("Northside",)))
    assert north(released())
    assert not north(released(area="*"))
    assert not north(released(area="Southside"))
    walks = selector(ExportFilters(kinds=("community-walk",)))
    assert not walks(released())
    assert not walks(released(kind="*"))
    assert selector(ExportFilters())(released(area="*", kind="*"))


def test_sql_bounds_are_local_days_of_the_department():
    bounds = event_bounds(
        ExportFilters(date_from=date(2026, 8, 4), date_to=date(2026, 8, 4)), "America/Chicago"
    )
    assert bounds.starts_from.isoformat() == "2026-08-04T00:00:00-05:00"
    assert bounds.starts_before.isoformat() == "2026-08-05T00:00:00-05:00"
