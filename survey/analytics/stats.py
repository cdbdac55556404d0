"""Means, confidence intervals and effect sizes computed from SQL aggregates.

The database hands us count, sum and sum of squares per group; every function here works
from those summaries so that no view ever loads individual responses into Python. The
Student t quantile comes from survey.analytics.tdist.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Self

from survey.analytics.tdist import t_quantile

_SCALE_LOW = 1.0
_SCALE_HIGH = 5.0
_INDEX_PER_POINT = 100.0 / (_SCALE_HIGH - _SCALE_LOW)
# Sums read back from a float column carry rounding error; anything beyond this relative
# size is not rounding but a caller passing the wrong numbers (e.g. sum for sum of squares).
_SUMS_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Summary:
    """Count, mean and sample variance (ddof=1) of one group of answers.

    ``mean`` is None for an empty group and ``variance`` is None below two answers, so an
    undefined figure can never be mistaken for a zero.
    """

    n: int
    mean: float | None
    variance: float | None

    def __post_init__(self) -> None:
        """Refuse a summary whose parts contradict each other."""
        if self.n < 0:
            raise ValueError(f"n must not be negative, got {self.n}")
        if (self.mean is None) != (self.n == 0):
            raise ValueError("mean must be given exactly when n >= 1")
        if self.mean is not None and not math.isfinite(self.mean):
            raise ValueError(f"mean must be finite, got {self.mean}")
        if (self.variance is None) != (self.n < 2):
            raise ValueError("variance must be given exactly when n >= 2")
        if self.variance is not None and not 0.0 <= self.variance < math.inf:
            raise ValueError(f"variance must be finite and >= 0, got {self.variance}")

    @classmethod
    def from_sums(
        cls,
        n: int,
        total: float | Decimal | None,
        total_sq: float | Decimal | None,
    ) -> Self:
        """Return the summary of a group from SQL ``COUNT``, ``SUM(x)`` and ``SUM(x * x)``.

        The sums are combined in exact rational arithmetic, so integer answers (the 1-5
        items) give a correctly rounded variance and identical answers give exactly 0
        instead of the cancellation noise of ``(Σx² - (Σx)²/n)``. Sums of a float column
        may come back a hair inconsistent; a variance that is negative only by such rounding
        is clamped to 0, a clearly impossible combination raises ValueError. With ``n == 0``
        the sums are ignored (SQL returns NULL for them); ``total_sq`` may be None when
        ``n == 1``. ``Decimal`` is accepted because PostgreSQL returns ``numeric`` sums as it.
        """
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        if n == 0:
            return cls(0, None, None)
        if total is None:
            raise ValueError(f"total is required when n = {n}")
        if n == 1:
            return cls._from_exact(1, Fraction(total), Fraction(0))
        if total_sq is None:
            raise ValueError(f"total_sq is required when n = {n}")
        return cls._from_exact(n, Fraction(total), Fraction(total_sq))

    @classmethod
    def from_values(cls, values: Iterable[float]) -> Self:
        """Return the summary of answers already in memory (tests, small derived lists).

        Goes through the same exact sums as :meth:`from_sums`, so both paths agree to the
        last bit on the same data. Non-finite values raise ValueError: a NaN would silently
        poison every figure derived from it.
        """
        numerators: defaultdict[int, int] = defaultdict(int)
        square_numerators: defaultdict[int, int] = defaultdict(int)
        n = 0
        for value in values:
            if not math.isfinite(value):
                raise ValueError(f"values must be finite, got {value!r}")
            # Group exact numerators by denominator: integer additions, one Fraction per
            # distinct denominator instead of one per value.
            numerator, denominator = value.as_integer_ratio()
            numerators[denominator] += numerator
            square_numerators[denominator] += numerator * numerator
            n += 1
        if n == 0:
            return cls(0, None, None)
        total = sum((Fraction(num, den) for den, num in numerators.items()), Fraction(0))
        total_sq = sum(
            (Fraction(num, den * den) for den, num in square_numerators.items()), Fraction(0)
        )
        return cls._from_exact(n, total, total_sq)

    @classmethod
    def _from_exact(cls, n: int, total: Fraction, total_sq: Fraction) -> Self:
        mean = float(total / n)
        if n == 1:
            return cls(1, mean, None)
        spread = n * total_sq - total * total
        if spread < 0:
            if -spread > _SUMS_TOLERANCE * n * abs(total_sq):
                raise ValueError(
                    f"inconsistent sums: n={n}, total={float(total)}, total_sq={float(total_sq)}"
                )
            spread = Fraction(0)
        return cls(n, mean, float(spread / (n * (n - 1))))


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate with the bounds of its confidence interval and the n behind it.

    Parts that cannot be computed from the data at hand are None, never 0.
    """

    estimate: float | None
    low: float | None
    high: float | None
    n: int


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")


def _symmetric_interval(
    estimate: float, variance_of_estimate: float, df: float, n: int, confidence: float
) -> Interval:
    if variance_of_estimate == 0.0:
        return Interval(estimate, estimate, estimate, n)
    half_width = t_quantile(0.5 + confidence / 2.0, df) * math.sqrt(variance_of_estimate)
    return Interval(estimate, estimate - half_width, estimate + half_width, n)


def mean_ci(s: Summary, confidence: float = 0.95) -> Interval:
    """Return the mean with its t-based confidence interval, the figure behind every bar.

    One answer gives a mean but no interval (low and high None); no answers give nothing.
    Identical answers give a zero-width interval.
    """
    _check_confidence(confidence)
    if s.mean is None or s.variance is None:
        return Interval(s.mean, None, None, s.n)
    return _symmetric_interval(s.mean, s.variance / s.n, s.n - 1, s.n, confidence)


def welch_ci(before: Summary, after: Summary, confidence: float = 0.95) -> Interval:
    """Return the change in mean (after - before) with its Welch confidence interval.

    Compares all before answers with all after answers without assuming equal variances,
    using Welch-Satterthwaite degrees of freedom. ``n`` counts the answers on both sides.
    The estimate needs one answer per side, the interval two.
    """
    _check_confidence(confidence)
    n = before.n + after.n
    if before.mean is None or after.mean is None:
        return Interval(None, None, None, n)
    estimate = after.mean - before.mean
    if before.variance is None or after.variance is None:
        return Interval(estimate, None, None, n)
    share_before = before.variance / before.n
    share_after = after.variance / after.n
    variance = share_before + share_after
    if variance == 0.0:
        return Interval(estimate, estimate, estimate, n)
    # Welch-Satterthwaite, written with the two shares of the variance so that tiny
    # variances cannot underflow to 0 / 0.
    weight_before = share_before / variance
    weight_after = share_after / variance
    df = 1.0 / (weight_before**2 / (before.n - 1) + weight_after**2 / (after.n - 1))
    return _symmetric_interval(estimate, variance, df, n, confidence)


def paired_ci(differences: Summary, confidence: float = 0.95) -> Interval:
    """Return the mean per-phone change (after - before) with its confidence interval.

    Takes the summary of the per-pair differences; ``n`` is the number of pairs. Pairing
    removes between-person spread, so this interval is usually narrower than Welch's.
    """
    return mean_ci(differences, confidence)


def cohens_d(before: Summary, after: Summary) -> float | None:
    """Return the change (after - before) in units of the pooled standard deviation.

    A scale-free size of the effect that staff can compare across items and events. None
    when it is undefined: fewer than two answers on a side, or no spread at all.
    """
    if before.variance is None or after.variance is None:
        return None
    # Both variances present implies both means present; the checks narrow the types.
    if before.mean is None or after.mean is None:
        return None
    pooled = ((before.n - 1) * before.variance + (after.n - 1) * after.variance) / (
        before.n + after.n - 2
    )
    if pooled == 0.0:
        return None
    return (after.mean - before.mean) / math.sqrt(pooled)


def _check_agreement_mean(mean: float) -> None:
    if not _SCALE_LOW <= mean <= _SCALE_HIGH:
        raise ValueError(f"a 1-5 agreement mean must lie in [1, 5], got {mean}")


def _clip(value: float | None, low: float, high: float) -> float | None:
    return None if value is None else min(max(value, low), high)


def _rescale(value: float | None, shift: float) -> float | None:
    return None if value is None else (value + shift) * _INDEX_PER_POINT


def to_index(mean: float | None) -> float | None:
    """Return a 1-5 agreement mean on the 0-100 index scale of the reports.

    ``(mean - 1) / 4 * 100``. A mean outside 1-5 raises ValueError: it means the index is
    being applied to an item that is not an agreement item.
    """
    if mean is None:
        return None
    _check_agreement_mean(mean)
    return (mean - _SCALE_LOW) * _INDEX_PER_POINT


def index_interval(iv: Interval) -> Interval:
    """Return a 1-5 mean and its interval on the 0-100 index scale.

    The bounds are clipped to 0-100: the true mean cannot leave the scale, so the clipped
    interval keeps its coverage and charts never draw an error bar below 0 or above 100.
    """
    return Interval(
        to_index(iv.estimate),
        _clip(_rescale(iv.low, -_SCALE_LOW), 0.0, 100.0),
        _clip(_rescale(iv.high, -_SCALE_LOW), 0.0, 100.0),
        iv.n,
    )


def index_difference(iv: Interval) -> Interval:
    """Return a difference of 1-5 means (before/after, Welch or paired) in index points.

    A difference has no offset to remove, so it is only multiplied by 25; the bounds are
    clipped to -100..100, the widest change the scale allows.
    """
    return Interval(
        _rescale(iv.estimate, 0.0),
        _clip(_rescale(iv.low, 0.0), -100.0, 100.0),
        _clip(_rescale(iv.high, 0.0), -100.0, 100.0),
        iv.n,
    )


def is_suppressed(n: int, min_group_size: int) -> bool:
    """Return True when a group is too small to show (``n < min_group_size``).

    Small groups could identify the few residents in them and their means are noise; empty
    groups are never shown either. ``min_group_size`` must be at least 1.
    """
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, got {min_group_size}")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    return n < min_group_size


def suppression_label(min_group_size: int) -> str:
    """Return the text that charts and tables show in place of a suppressed group."""
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, got {min_group_size}")
    if min_group_size == 1:
        return "no responses"
    return f"fewer than {min_group_size} responses"


def shown_parts(sizes: Sequence[int], total: int, min_group_size: int) -> tuple[bool, ...]:
    """Return which parts of a shown total may be shown without revealing a small part.

    ``sizes`` are the n of disjoint parts of a group of ``total`` whose own figure is shown
    (after-event trust, split by TALKED; ``total`` may exceed their sum when some residents
    are in no listed part). Each part of at least ``min_group_size`` is shown, unless the
    total minus the shown parts would leave between 1 and ``min_group_size - 1`` residents:
    that remainder's mean could be worked out by subtraction. The smallest shown part is
    then withheld too, which makes the remainder large enough; one is always sufficient.
    """
    if any(n < 0 for n in sizes) or total < sum(sizes):
        raise ValueError(f"parts {list(sizes)} must be counts that fit in a total of {total}")
    shown = [not is_suppressed(n, min_group_size) for n in sizes]
    remainder = total - sum(n for n, visible in zip(sizes, shown, strict=True) if visible)
    if 0 < remainder < min_group_size and any(shown):
        _n, smallest = min((n, i) for i, n in enumerate(sizes) if shown[i])
        shown[smallest] = False
    return tuple(shown)
