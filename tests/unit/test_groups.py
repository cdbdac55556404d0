from decimal import Decimal

import pytest
from scipy import stats as sp

from survey.analytics.groups import EMPTY, Distribution, Sums, bounded, pooled
from survey.analytics.stats import Interval, Summary, mean_ci


def sums_of(values):
    return Sums(len(values), float(sum(values)), float(sum(v * v for v in values)))


def test_pooling_events_gives_the_month_of_all_their_answers():
    first, second, third = [62.5, 70.0, 55.0, 80.0], [45.0, 50.0], [90.0, 85.0, 100.0]
    month = pooled([sums_of(first), sums_of(second), sums_of(third)])
    everything = first + second + third
    assert month.n == 9
    summary = month.summary()
    assert summary.mean == pytest.approx(sum(everything) / 9)
    assert summary.variance == pytest.approx(sp.tstd(everything) ** 2)
    low, high = sp.t.interval(0.95, 8, loc=summary.mean, scale=sp.sem(everything))
    interval = mean_ci(summary)
    assert (interval.low, interval.high) == pytest.approx((low, high))


def test_pooling_nothing_is_an_empty_group():
    assert pooled([]) == EMPTY
    assert EMPTY.summary() == Summary(0, None, None)


def test_sql_nulls_and_decimals_are_read_as_numbers():
    assert Sums.from_sql(0, None, None) == EMPTY
    assert Sums.from_sql(2, Decimal("7.5"), Decimal("28.25")) == Sums(2, 7.5, 28.25)
    with pytest.raises(ValueError, match="negative"):
        Sums.from_sql(-1, 0, 0)


def test_bounded_clips_only_the_bounds():
    iv = Interval(97.0, 93.5, 100.6, 12)
    assert bounded(iv, 0.0, 100.0) == Interval(97.0, 93.5, 100.0, 12)
    assert bounded(Interval(-0.95, -1.2, -0.7, 10), -1.0, 1.0).low == -1.0
    assert bounded(Interval(5.0, None, None, 1), 0.0, 100.0) == Interval(5.0, None, None, 1)
    with pytest.raises(ValueError, match="low must not exceed high"):
        bounded(iv, 1.0, 0.0)


def test_distribution_shares_in_category_order():
    dist = Distribution.from_counts(("1", "2", "3", "4", "5"), {"5": 3, "1": 1, "4": 4})
    assert dist.counts == (1, 0, 0, 4, 3)
    assert dist.n == 8
    assert dist.shares() == (0.125, 0.0, 0.0, 0.5, 0.375)
    assert dist.percents() == (12.5, 0.0, 0.0, 50.0, 37.5)


def test_percents_are_rounded_one_by_one():
    dist = Distribution.from_counts(("a", "b", "c"), {"a": 1, "b": 1, "c": 1})
    assert dist.percents() == (33.3, 33.3, 33.3)
    assert dist.percents(0) == (33.0, 33.0, 33.0)


def test_an_empty_distribution_has_no_shares():
    dist = Distribution.from_counts(("a", "b"), {})
    assert dist.n == 0
    assert dist.shares() is None
    assert dist.percents() is None


def test_a_count_for_an_unlisted_category_is_refused():
    with pytest.raises(ValueError, match="unknown categories"):
        Distribution.from_counts(("a", "b"), {"c": 2})
    with pytest.raises(ValueError, match="negative"):
        Distribution(("a",), (-1,))
    with pytest.raises(ValueError, match="distinct"):
        Distribution(("a", "a"), (1, 1))
