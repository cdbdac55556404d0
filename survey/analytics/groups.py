"""Group-level building blocks on top of stats.py: pooled sums, category shares, bounded CIs.

SQL hands back count, sum and sum of squares per group. Those three numbers add up across
groups, so a month's figure is the exact pool of its events' sums without going back to the
responses. Category counts (Likert levels, sentiment labels) become shares of the answered
total here. Everything is pure: no Flask, no database, arguments never mutated.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Self

from survey.analytics.stats import Interval, Summary

SqlNumber = int | float | Decimal | None


@dataclass(frozen=True, slots=True)
class Sums:
    """``COUNT(x)``, ``SUM(x)`` and ``SUM(x * x)`` of one group; they add across groups."""

    n: int
    total: float
    total_sq: float

    @classmethod
    def from_sql(cls, n: SqlNumber, total: SqlNumber, total_sq: SqlNumber) -> Self:
        """Return the sums of a SQL row, where an empty group reads back as NULL sums.

        PostgreSQL returns ``numeric`` for some sums, SQLite a float or NULL: all become
        float, NULL becomes 0 (the sum of nothing).
        """
        count = int(n or 0)
        if count < 0:
            raise ValueError(f"a count cannot be negative, got {count}")
        return cls(count, float(total or 0.0), float(total_sq or 0.0))

    def __add__(self, other: "Sums") -> "Sums":
        """Pool two disjoint groups: counts and sums simply add."""
        return Sums(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    def summary(self) -> Summary:
        """Return the group's n, mean and sample variance for the interval functions."""
        return Summary.from_sums(self.n, self.total, self.total_sq)


EMPTY = Sums(0, 0.0, 0.0)


def pooled(groups: Iterable[Sums]) -> Sums:
    """Return the sums of the union of disjoint groups (a month from its events)."""
    result = EMPTY
    for group in groups:
        result = result + group
    return result


def bounded(iv: Interval, low: float, high: float) -> Interval:
    """Return the interval with its bounds clipped to the range the measure can take.

    A mean of 0-100 index values cannot leave 0-100 (nor a mean polarity -1..1), so the
    clipped interval keeps its coverage and a chart never draws a band past the scale.
    """
    if low > high:
        raise ValueError(f"low must not exceed high, got {low} > {high}")

    def clip(value: float | None) -> float | None:
        return None if value is None else min(max(value, low), high)

    return Interval(iv.estimate, clip(iv.low), clip(iv.high), iv.n)


@dataclass(frozen=True, slots=True)
class Distribution:
    """Counts per category, in a fixed category order (e.g. Likert levels 1-5)."""

    categories: tuple[str, ...]
    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        """Refuse mismatched lengths, repeated categories or negative counts."""
        if len(self.categories) != len(self.counts):
            raise ValueError("one count per category is needed")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must be distinct")
        if any(count < 0 for count in self.counts):
            raise ValueError("counts cannot be negative")

    @classmethod
    def from_counts(cls, categories: Iterable[str], counts: Mapping[str, int]) -> Self:
        """Return the distribution in ``categories`` order; absent categories count 0.

        A count for a category that is not listed raises ValueError: it would otherwise
        vanish from every share without a trace.
        """
        order = tuple(categories)
        unknown = set(counts) - set(order)
        if unknown:
            raise ValueError(f"counts for unknown categories: {sorted(unknown)}")
        return cls(order, tuple(int(counts.get(category, 0)) for category in order))

    @property
    def n(self) -> int:
        """The number of answers the shares are taken of."""
        return sum(self.counts)

    def shares(self) -> tuple[float, ...] | None:
        """Return each category's share of the total (0-1, summing to 1), None when empty."""
        total = self.n
        if total == 0:
            return None
        return tuple(count / total for count in self.counts)

    def percents(self, digits: int = 1) -> tuple[float, ...] | None:
        """Return the shares as percentages rounded to ``digits`` places, None when empty.

        Each share is rounded on its own, so the percentages may add to 99.9 or 100.1.
        """
        shares = self.shares()
        if shares is None:
            return None
        return tuple(round(share * 100.0, digits) for share in shares)
