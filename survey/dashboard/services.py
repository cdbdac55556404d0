"""What a report or trends page needs, gathered: the queries run once, then pure assembly.

Views call one function here and render; the CSV routes call the same function and write
one of its tables, so a downloaded CSV holds exactly the numbers the page shows.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from survey.dashboard import figures, queries
from survey.dashboard.breakdowns import (
    SENTIMENT_LABELS,
    likert_bars,
    likert_table,
    sentiment_bars,
    sentiment_table,
    talked_split,
    talked_table,
)
from survey.dashboard.figures import Figure
from survey.dashboard.filters import GRAINS, TrendFilters
from survey.dashboard.report import (
    INDEX_SCALE,
    ITEM_SCALE,
    Counts,
    Item,
    comparison_table,
    counts,
    index_comparisons,
    item_comparisons,
)
from survey.dashboard.rows import CommentRow
from survey.dashboard.tables import Table
from survey.dashboard.trends import METRICS, Trend, build_trend, trend_table
from survey.events.models import Department, Event

COMMENTS_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: its numbers (the text alternative and the CSV) and its figure, if drawn."""

    table: Table
    figure: Figure | None


@dataclass(frozen=True, slots=True)
class EventReport:
    """Everything the report page shows, keyed by chart name (also the CSV's ``chart``)."""

    counts: Counts
    charts: dict[str, Chart]
    comment_totals: dict[str, int]
    has_talked: bool


def _items(event: Event, kind: str) -> list[Item]:
    return [
        Item(question.code, question.text_en, question.phase)
        for question in event.question_set.questions
        if question.kind == kind
    ]


def event_report(event: Event, min_group_size: int) -> EventReport:
    """Return the event report's numbers and figures; seven grouped queries in all."""
    phases = queries.phase_sums(event.id)
    paired = queries.paired_index_sums(event.id)
    header = counts(phases, paired)
    agree = _items(event, "agree5")
    indices = index_comparisons(phases, paired, min_group_size)
    items = item_comparisons(
        agree, queries.item_sums(event.id), queries.paired_item_sums(event.id), min_group_size
    )
    likert = likert_bars(agree, queries.level_counts(event.id), min_group_size)
    talked = talked_split(queries.talked_trust_sums(event.id), min_group_size)
    sentiment = sentiment_bars(
        _items(event, "text"), queries.label_counts(event.id), min_group_size
    )
    prefix = f"event-{event.id}"
    charts = {
        "indices": Chart(
            comparison_table("indices", "Trust and Safety indices (0-100)", indices),
            _drawn(
                any(c.before or c.after for c in indices),
                lambda: figures.comparison_figure(
                    indices,
                    header,
                    "Trust and Safety indices before and after (95% CI)",
                    (INDEX_SCALE.low, INDEX_SCALE.high),
                ),
                f"{prefix}-indices",
            ),
        ),
        "items": Chart(
            comparison_table(
                "items", "Agreement items (1 = strongly disagree, 5 = strongly agree)", items
            ),
            _drawn(
                any(c.before or c.after for c in items),
                lambda: figures.comparison_figure(
                    items,
                    header,
                    "Item means before and after (1-5, 95% CI)",
                    (ITEM_SCALE.low, ITEM_SCALE.high),
                ),
                f"{prefix}-items",
            ),
        ),
        "likert": Chart(
            likert_table(likert, min_group_size),
            _drawn(
                bool(likert.bars), lambda: figures.likert_figure(likert.bars), f"{prefix}-likert"
            ),
        ),
        "talked": Chart(
            talked_table(talked, min_group_size),
            _drawn(bool(talked.groups), lambda: figures.talked_figure(talked), f"{prefix}-talked"),
        ),
        "sentiment": Chart(
            sentiment_table(sentiment, min_group_size),
            _drawn(
                bool(sentiment.bars),
                lambda: figures.sentiment_figure(sentiment.bars),
                f"{prefix}-sentiment",
            ),
        ),
    }
    has_talked = any(q.code == queries.TALKED_CODE for q in event.question_set.questions)
    return EventReport(header, charts, dict(sentiment.totals), has_talked)


def _drawn(shown: bool, build: Callable[[], Figure], filename: str) -> Figure | None:
    """Return the figure's JSON when there is anything to draw, else None (table only)."""
    return figures.payload(build(), filename) if shown else None


@dataclass(frozen=True, slots=True)
class CommentPage:
    """One page of comments, the label filter, and where the pages end."""

    rows: Sequence[CommentRow]
    label: str | None
    page: int
    pages: int
    total: int


def parse_label(value: str | None) -> str | None:
    """Return the sentiment label asked for, None (all comments) for anything else."""
    return value if value in SENTIMENT_LABELS else None


def comment_page(
    event: Event, totals: dict[str, int], label: str | None, page: int
) -> CommentPage:
    """Return the requested page of comments, newest first, of one label or all."""
    total = totals.get(label, 0) if label else sum(totals.values())
    pages = max(1, -(-total // COMMENTS_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = queries.comments(event.id, label, COMMENTS_PER_PAGE, (page - 1) * COMMENTS_PER_PAGE)
    return CommentPage(rows, label, page, pages, total)


@dataclass(frozen=True, slots=True)
class TrendsPage:
    """The three trend charts of the trends page, keyed by metric (the CSV's ``chart``)."""

    charts: dict[str, Chart]
    filters: TrendFilters
    events: list[tuple[int, str, datetime]] = field(default_factory=list)


def trends_page(department: Department, filters: TrendFilters, min_group_size: int) -> TrendsPage:
    """Return Trust, Safety and sentiment trends for the filtered events; one query."""
    start, end = filters.utc_bounds(department.timezone)
    rows = queries.event_phase_sums(
        queries.TrendQuery(
            department_id=department.id,
            areas=filters.areas,
            kind=filters.kind,
            starts_from=start,
            starts_before=end,
        )
    )
    charts = {}
    for key, metric in METRICS.items():
        trend = build_trend(rows, metric, filters.grain, department.timezone, min_group_size)
        charts[key] = _trend_chart(trend, min_group_size, f"trends-{key}-{filters.grain}")
    events = {row.event_id: (row.event_id, row.name, row.starts_at) for row in rows}
    return TrendsPage(charts, filters, list(events.values()))


def _trend_chart(trend: Trend, min_group_size: int, filename: str) -> Chart:
    title = f"{trend.metric.title} {GRAINS[trend.grain]} (95% CI bands)"
    return Chart(
        trend_table(trend, min_group_size),
        _drawn(bool(trend.points), lambda: figures.trend_figure(trend, title), filename),
    )
