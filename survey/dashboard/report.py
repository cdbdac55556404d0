"""The event report's before/after comparisons, from SQL aggregates; pure, so tests can check it.

Each comparison becomes a row of a Table (what the page shows and the CSV downloads) and a
point of its figure; both carry the same rounded numbers. Any group with fewer than
``min_group_size`` answers is never shown: its cells are empty and its note says why. The
Likert, TALKED and sentiment breakdowns live in breakdowns.py.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from survey.analytics.groups import Sums, bounded
from survey.analytics.stats import (
    Interval,
    Summary,
    cohens_d,
    is_suppressed,
    mean_ci,
    paired_ci,
    suppression_label,
    welch_ci,
)
from survey.dashboard.rows import (
    ItemRow,
    PairedIndexRow,
    PairedItemRow,
    PhaseRow,
)
from survey.dashboard.tables import CellValue, Column, Table, rounded

INDEX_DIGITS = 1
ITEM_DIGITS = 2
EFFECT_DIGITS = 2

PHASE_LABELS = {"before": "Before", "after": "After"}


@dataclass(frozen=True, slots=True)
class Scale:
    """The range a measure lives on: means clip to it, differences to its width."""

    low: float
    high: float
    digits: int

    @property
    def width(self) -> float:
        """The largest possible change on this scale."""
        return self.high - self.low


INDEX_SCALE = Scale(0.0, 100.0, INDEX_DIGITS)
ITEM_SCALE = Scale(1.0, 5.0, ITEM_DIGITS)


@dataclass(frozen=True, slots=True)
class Item:
    """An agreement item of the event's question set, in survey order."""

    code: str
    text: str
    phase: str  # "both", "before" or "after"


@dataclass(frozen=True, slots=True)
class Comparison:
    """Before vs after for one measure, rounded for display; None where not shown."""

    measure: str
    short: str  # the chart's axis label
    before: Interval | None
    after: Interval | None
    change: Interval | None
    paired: Interval | None
    effect: float | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Counts:
    """The report's header: responses before and after and the phones that answered both."""

    before: int
    after: int
    pairs: int


def showable(sums: Sums | None, min_group_size: int) -> Sums | None:
    """Return the sums if the group may be shown, None when it is absent or too small."""
    if sums is None or is_suppressed(sums.n, min_group_size):
        return None
    return sums


def rounded_interval(iv: Interval, low: float, high: float, digits: int) -> Interval:
    """Return the interval clipped to [low, high] and rounded for display, n kept."""
    clipped = bounded(iv, low, high)
    return Interval(
        rounded(clipped.estimate, digits),
        rounded(clipped.low, digits),
        rounded(clipped.high, digits),
        clipped.n,
    )


def compare(
    measure: str,
    before: Sums | None,
    after: Sums | None,
    paired: Sums | None,
    scale: Scale,
    min_group_size: int,
    short: str | None = None,
) -> Comparison:
    """Return the before/after comparison of one measure, with small groups left out.

    ``before`` or ``after`` is None when the item is not asked in that phase. The change
    (Welch) and Cohen's d need both sides shown; the paired change needs enough pairs.
    """
    hidden = suppression_label(min_group_size)
    notes: list[str] = []
    summaries: dict[str, Summary | None] = {}
    sides: dict[str, Interval | None] = {}
    for phase, sums in (("before", before), ("after", after)):
        shown = showable(sums, min_group_size)
        if sums is None:
            notes.append(f"not asked {phase}")
        elif shown is None:
            notes.append(f"{phase}: {hidden}")
        summary = summaries[phase] = None if shown is None else shown.summary()
        sides[phase] = (
            None
            if summary is None
            else rounded_interval(mean_ci(summary), scale.low, scale.high, scale.digits)
        )
    first, last = summaries["before"], summaries["after"]
    change = effect = None
    if first is not None and last is not None:
        change = rounded_interval(welch_ci(first, last), -scale.width, scale.width, scale.digits)
        effect = rounded(cohens_d(first, last), EFFECT_DIGITS)
    paired_iv = None
    if before is not None and after is not None:
        shown_pairs = showable(paired, min_group_size)
        if shown_pairs is None:
            notes.append(f"pairs: {hidden}")
        else:
            paired_iv = rounded_interval(
                paired_ci(shown_pairs.summary()), -scale.width, scale.width, scale.digits
            )
    return Comparison(
        measure,
        short or measure,
        sides["before"],
        sides["after"],
        change,
        paired_iv,
        effect,
        tuple(notes),
    )


def counts(phases: Sequence[PhaseRow], paired: PairedIndexRow) -> Counts:
    """Return the header counts of the report."""
    by_phase = {row.phase: row.responses for row in phases}
    return Counts(by_phase.get("before", 0), by_phase.get("after", 0), paired.pairs)


def index_comparisons(
    phases: Sequence[PhaseRow], paired: PairedIndexRow, min_group_size: int
) -> list[Comparison]:
    """Return the Trust index and Safety index comparisons (0-100 scale)."""
    by_phase = {row.phase: row for row in phases}
    empty = Sums(0, 0.0, 0.0)

    def side(phase: str, attribute: str) -> Sums:
        row = by_phase.get(phase)
        return empty if row is None else getattr(row, attribute)

    return [
        compare(
            label,
            side("before", attribute),
            side("after", attribute),
            getattr(paired, attribute),
            INDEX_SCALE,
            min_group_size,
        )
        for attribute, label in (("trust", "Trust index"), ("safety", "Safety index"))
    ]


def item_comparisons(
    items: Sequence[Item],
    sums: Iterable[ItemRow],
    paired: Iterable[PairedItemRow],
    min_group_size: int,
) -> list[Comparison]:
    """Return each agreement item's comparison on its 1-5 scale, in survey order."""
    by_key = {(row.code, row.phase): row.sums for row in sums}
    paired_by_code = {row.code: row.sums for row in paired}
    empty = Sums(0, 0.0, 0.0)
    result = []
    for item in items:
        asked = {
            phase: by_key.get((item.code, phase), empty) if item.phase in ("both", phase) else None
            for phase in ("before", "after")
        }
        result.append(
            compare(
                f"{item.code}: {item.text}",
                asked["before"],
                asked["after"],
                paired_by_code.get(item.code, empty),
                ITEM_SCALE,
                min_group_size,
                short=item.code,
            )
        )
    return result


def _interval_cells(iv: Interval | None) -> list[CellValue]:
    if iv is None:
        return [None, None, None]
    return [iv.estimate, iv.low, iv.high]


COMPARISON_COLUMNS = (
    Column("Measure"),
    Column("Before n", "count", "n before"),
    Column("Before mean", "number", "Before"),
    Column("Before 95% CI low", "low", "95% CI"),
    Column("Before 95% CI high", "high"),
    Column("After n", "count", "n after"),
    Column("After mean", "number", "After"),
    Column("After 95% CI low", "low", "95% CI"),
    Column("After 95% CI high", "high"),
    Column("Change (after - before)", "number", "Change"),
    Column("Change 95% CI low (Welch)", "low", "95% CI (Welch)"),
    Column("Change 95% CI high (Welch)", "high"),
    Column("Pairs", "count"),
    Column("Paired change", "number"),
    Column("Paired change 95% CI low", "low", "95% CI"),
    Column("Paired change 95% CI high", "high"),
    Column("Cohen's d", "number"),
    Column("Note", "note"),
)


def comparison_table(key: str, title: str, comparisons: Sequence[Comparison]) -> Table:
    """Return the comparisons as the page's table and the CSV's rows."""
    rows = []
    for c in comparisons:
        rows.append(
            (
                c.measure,
                None if c.before is None else c.before.n,
                *_interval_cells(c.before),
                None if c.after is None else c.after.n,
                *_interval_cells(c.after),
                *_interval_cells(c.change),
                None if c.paired is None else c.paired.n,
                *_interval_cells(c.paired),
                c.effect,
                "; ".join(c.notes),
            )
        )
    return Table(key, title, COMPARISON_COLUMNS, tuple(rows))
