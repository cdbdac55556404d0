"""The report's breakdowns: answers per Likert level, after-trust by TALKED, comment sentiment.

Pure like report.py: rows from queries.py in, rounded sections and their Tables out; the
figures are drawn from the same sections. Groups below the minimum size are listed, not shown.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from survey.analytics.groups import Distribution
from survey.analytics.stats import (
    Interval,
    is_suppressed,
    mean_ci,
    shown_parts,
    suppression_label,
    welch_ci,
)
from survey.dashboard.report import INDEX_DIGITS, INDEX_SCALE, Item, rounded_interval
from survey.dashboard.rows import LabelCount, LevelCount, TalkedRow
from survey.dashboard.tables import CellValue, Column, Table
from survey.sentiment.scoring import Label

PERCENT_DIGITS = 1
LIKERT_LEVELS = ("1", "2", "3", "4", "5")
LIKERT_LABELS = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")
SENTIMENT_LABELS: tuple[Label, ...] = ("positive", "neutral", "negative", "unscored")
TALKED_GROUPS = ((1.0, "Talked with an officer"), (0.0, "Did not talk with an officer"))


# Likert distributions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LikertBar:
    """One item in one phase: answered n, the five level percentages, and how many declined."""

    code: str
    text: str
    phase: str
    n: int
    percents: tuple[float, ...]
    declined: int


@dataclass(frozen=True, slots=True)
class LikertSection:
    """The bars that are shown and the (code, phase) groups too small to show."""

    bars: tuple[LikertBar, ...]
    suppressed: tuple[tuple[str, str], ...]


def likert_bars(
    items: Sequence[Item], levels: Iterable[LevelCount], min_group_size: int
) -> LikertSection:
    """Return each item's answer distribution before and after, in survey order."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    declined: dict[tuple[str, str], int] = {}
    for row in levels:
        key = (row.code, row.phase)
        if row.level is None:
            declined[key] = declined.get(key, 0) + row.count
        else:
            counts.setdefault(key, {})[str(int(row.level))] = row.count
    bars = []
    suppressed = []
    for item in items:
        for phase in ("before", "after"):
            if item.phase not in ("both", phase):
                continue
            key = (item.code, phase)
            distribution = Distribution.from_counts(LIKERT_LEVELS, counts.get(key, {}))
            percents = distribution.percents(PERCENT_DIGITS)
            if percents is None or is_suppressed(distribution.n, min_group_size):
                suppressed.append(key)
                continue
            bars.append(
                LikertBar(
                    item.code, item.text, phase, distribution.n, percents, declined.get(key, 0)
                )
            )
    return LikertSection(tuple(bars), tuple(suppressed))


def likert_table(section: LikertSection, min_group_size: int) -> Table:
    """Return the Likert bars as a table of percentages (of those who answered)."""
    columns = (
        Column("Item"),
        Column("Phase"),
        Column("n answered", "count"),
        *(Column(f"{label} %", "number") for label in LIKERT_LABELS),
        Column("Prefer not to say", "count"),
        Column("Note", "note"),
    )
    rows = tuple(
        (bar.code, bar.phase, bar.n, *bar.percents, bar.declined, "") for bar in section.bars
    )
    return Table(
        "likert",
        "Answers per item, before and after",
        columns,
        rows,
        section.suppressed,
        suppression_label(min_group_size),
    )


# After-trust by TALKED ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TalkedSection:
    """After-phase Trust index of those who talked with an officer and those who did not.

    ``suppressed`` groups are too small to show; ``withheld`` ones are large enough but
    hidden so that the report's after-event Trust index minus them cannot reveal a small group.
    """

    groups: tuple[tuple[str, Interval], ...]
    difference: Interval | None
    suppressed: tuple[str, ...]
    withheld: tuple[str, ...] = ()


def talked_split(rows: Iterable[TalkedRow], min_group_size: int) -> TalkedSection:
    """Return the after-trust means by TALKED answer, and the difference (yes - no).

    The report also shows the Trust index of every after response, which is the pool of
    these groups and of those who left TALKED unanswered: a group is shown only when the
    rest of that pool is empty or itself large enough (analytics.stats.shown_parts).
    The difference is a Welch interval between two self-selected groups: a description of
    who moved, not the effect of talking.
    """
    by_value = {row.talked: row.trust for row in rows}
    total = sum(sums.n for sums in by_value.values())
    sizes = [by_value[value].n if value in by_value else 0 for value, _label in TALKED_GROUPS]
    visible = shown_parts(sizes, total, min_group_size)
    groups = []
    summaries = {}
    suppressed = []
    withheld = []
    for (value, label), size, show in zip(TALKED_GROUPS, sizes, visible, strict=True):
        if not show:
            (suppressed if is_suppressed(size, min_group_size) else withheld).append(label)
            continue
        summaries[value] = by_value[value].summary()
        groups.append(
            (
                label,
                rounded_interval(
                    mean_ci(summaries[value]),
                    INDEX_SCALE.low,
                    INDEX_SCALE.high,
                    INDEX_SCALE.digits,
                ),
            )
        )
    difference = None
    if len(summaries) == 2:
        # welch_ci(x, y) is y - x: pass "did not talk" first to get talked - did not talk.
        difference = rounded_interval(
            welch_ci(summaries[0.0], summaries[1.0]), -100.0, 100.0, INDEX_DIGITS
        )
    return TalkedSection(tuple(groups), difference, tuple(suppressed), tuple(withheld))


def withheld_note(min_group_size: int) -> str:
    """Return why a large enough TALKED group is hidden."""
    return (
        "hidden too: the after-event Trust index minus this group would show a group with "
        f"{suppression_label(min_group_size)}"
    )


def talked_table(section: TalkedSection, min_group_size: int) -> Table:
    """Return the TALKED split as a table; the difference row closes it."""
    columns = (
        Column("Group"),
        Column("n", "count"),
        Column("After Trust index", "number", "Trust index after"),
        Column("95% CI low", "low", "95% CI"),
        Column("95% CI high", "high"),
        Column("Note", "note"),
    )
    rows: list[tuple[CellValue, ...]] = [
        (label, iv.n, iv.estimate, iv.low, iv.high, "") for label, iv in section.groups
    ]
    if section.difference is not None:
        d = section.difference
        rows.append(
            (
                "Difference (talked - did not talk)",
                d.n,
                d.estimate,
                d.low,
                d.high,
                "Welch interval; the groups chose themselves",
            )
        )
    return Table(
        "talked",
        "Trust index after the event, by whether the resident talked with an officer",
        columns,
        tuple(rows),
        tuple((label,) for label in (*section.suppressed, *section.withheld)),
        suppression_label(min_group_size),
        (
            (suppression_label(min_group_size),) * len(section.suppressed)
            + (withheld_note(min_group_size),) * len(section.withheld)
        ),
    )


# Sentiment ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentimentBar:
    """The label shares of one text item's comments."""

    code: str
    text: str
    n: int
    percents: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SentimentSection:
    """The text items shown, those with too few comments, and comment totals per label."""

    bars: tuple[SentimentBar, ...]
    suppressed: tuple[str, ...]
    totals: Mapping[str, int]


def sentiment_bars(
    texts: Sequence[Item], labels: Iterable[LabelCount], min_group_size: int
) -> SentimentSection:
    """Return each text item's sentiment distribution (positive/neutral/negative/unscored)."""
    counts: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(SENTIMENT_LABELS, 0)
    for row in labels:
        counts.setdefault(row.code, {})[row.label] = row.count
        totals[row.label] += row.count
    bars = []
    suppressed = []
    for item in texts:
        distribution = Distribution.from_counts(SENTIMENT_LABELS, counts.get(item.code, {}))
        percents = distribution.percents(PERCENT_DIGITS)
        if percents is None or is_suppressed(distribution.n, min_group_size):
            suppressed.append(item.code)
            continue
        bars.append(
            SentimentBar(item.code, item.text, distribution.n, percents, distribution.counts)
        )
    return SentimentSection(tuple(bars), tuple(suppressed), totals)


def sentiment_table(section: SentimentSection, min_group_size: int) -> Table:
    """Return the sentiment distribution as percentages of each item's comments."""
    columns = (
        Column("Item"),
        Column("Comments", "count"),
        *(Column(f"{label.capitalize()} %", "number") for label in SENTIMENT_LABELS),
        Column("Note", "note"),
    )
    rows = tuple((bar.code, bar.n, *bar.percents, "") for bar in section.bars)
    return Table(
        "sentiment",
        "Sentiment of comments",
        columns,
        rows,
        tuple((code,) for code in section.suppressed),
        suppression_label(min_group_size),
    )
