"""Plotly figures: the report's and trends' numbers in, plotly.js's own JSON out.

Pure functions over the same rounded rows the tables print, so a chart, its table and its
CSV cannot disagree. A figure is the plain ``{"data": [...], "layout": {...}}`` that
plotly.js receives: building it through ``plotly.graph_objects`` validated every property
on every request and cost far more than the SQL behind the page. The specs are checked
against plotly's schema in tests (tests/dashboard/test_figures.py) instead.

Plotly renders every text it is given (titles, tick labels, legend names, hover labels) as
its own small HTML dialect, where ``<b>`` is bold and ``&lt;`` is a ``<``: text that comes
from people (event, area and item names) goes through ``plain()`` first, so it is shown
exactly as typed and never read as markup.
"""

import html
import math
from collections.abc import Sequence
from typing import Any

from survey.analytics.stats import Interval
from survey.dashboard.breakdowns import (
    LIKERT_LABELS,
    SENTIMENT_LABELS,
    LikertBar,
    SentimentBar,
    TalkedSection,
)
from survey.dashboard.report import PHASE_LABELS, Comparison, Counts
from survey.dashboard.trends import Trend, TrendPoint

Figure = dict[str, Any]

# Okabe-Ito colours: told apart with every common colour-vision deficiency.
PHASE_COLORS = {"before": "#E69F00", "after": "#0072B2"}
PHASE_BANDS = {"before": "rgba(230,159,0,0.18)", "after": "rgba(0,114,178,0.18)"}
LIKERT_COLORS = ("#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac")
SENTIMENT_COLORS = {
    "positive": "#1b7837",
    "neutral": "#bababa",
    "negative": "#b2182b",
    "unscored": "#9e9ac8",
}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
GRID = "#e5e7eb"
AREA_COLUMNS = 3
# Gaps between the area panels of a trend, as fractions of the plotting area.
COLUMN_GAP = 0.05
ROW_GAP = 0.5


def plain(text: str) -> str:
    """Return text that Plotly shows literally: tags and entities become visible characters.

    ``<script>`` would otherwise be parsed as a (dropped) tag and ``&amp;`` decoded; with
    ``<``, ``>`` and ``&`` escaped, Plotly's renderer decodes them back to the original text.
    """
    return html.escape(text, quote=False)


def _layout(title: str, height: int, **extra: Any) -> dict[str, Any]:
    """Return the house layout (no plotly.py template: plotly.js's plain defaults), plus extra."""
    return {
        "title": {"text": plain(title), "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT, "size": 13, "color": "#1a1a1a"},
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 60, "b": 40},
        "legend": {"orientation": "h", "y": -0.12, "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        **extra,
    }


def chart_config(filename: str) -> dict[str, Any]:
    """Return Plotly's options: the PNG download stays, the cloud-sharing button goes."""
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "displayModeBar": True,
        "responsive": True,
        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def payload(figure: Figure, filename: str) -> Figure:
    """Return the figure with its config, ready for the page's data element."""
    return {**figure, "config": chart_config(filename)}


def _ci_text(low: float | None, high: float | None) -> str:
    return "no interval" if low is None or high is None else f"95% CI {low} to {high}"


def _upper(iv: Interval | None) -> float | None:
    if iv is None or iv.high is None or iv.estimate is None:
        return None
    return iv.high - iv.estimate


def _lower(iv: Interval | None) -> float | None:
    if iv is None or iv.low is None or iv.estimate is None:
        return None
    return iv.estimate - iv.low


def _error_bars(intervals: Sequence[Interval | None], color: str) -> dict[str, Any]:
    return {
        "type": "data",
        "symmetric": False,
        "array": [_upper(iv) for iv in intervals],
        "arrayminus": [_lower(iv) for iv in intervals],
        "color": color,
    }


def comparison_figure(
    comparisons: Sequence[Comparison], counts: Counts, title: str, axis: tuple[float, float]
) -> Figure:
    """Return before and after means with their 95% CIs, one row per measure."""
    measures = [plain(c.short) for c in comparisons]
    data = []
    for phase in ("before", "after"):
        intervals = [getattr(c, phase) for c in comparisons]
        data.append(
            {
                "type": "scatter",
                "x": [None if iv is None else iv.estimate for iv in intervals],
                "y": measures,
                "mode": "markers",
                "name": f"{PHASE_LABELS[phase]} (n = {getattr(counts, phase)})",
                "marker": {"color": PHASE_COLORS[phase], "size": 11},
                "error_x": _error_bars(intervals, PHASE_COLORS[phase]),
                "customdata": [
                    [None, None, None, "not shown", plain(c.measure)]
                    if iv is None
                    else [iv.n, iv.low, iv.high, _ci_text(iv.low, iv.high), plain(c.measure)]
                    for c, iv in zip(comparisons, intervals, strict=True)
                ],
                "hovertemplate": (
                    "%{customdata[4]}<br>mean %{x}, %{customdata[3]}<br>n = %{customdata[0]}"
                    "<extra>%{fullData.name}</extra>"
                ),
            }
        )
    layout = _layout(
        title,
        140 + 70 * len(comparisons),
        scattermode="group",
        xaxis={"range": list(axis), "zeroline": False, "gridcolor": GRID},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return {"data": data, "layout": layout}


def likert_figure(bars: Sequence[LikertBar]) -> Figure:
    """Return diverging stacked bars: disagreement left of 0, agreement right, neutral split.

    Each item has its "before" bar directly above its "after" bar. Plotly stacks negative
    values outwards in trace order, so the neutral half comes first on each side.
    """
    labels = [plain(f"{bar.code} · {bar.phase} (n = {bar.n})") for bar in bars]
    segments = ((2, -0.5), (1, -1.0), (0, -1.0), (2, 0.5), (3, 1.0), (4, 1.0))
    data = []
    for level, factor in segments:
        name = LIKERT_LABELS[level]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": [bar.percents[level] * factor for bar in bars],
                "y": labels,
                "name": name,
                "legendgroup": name,
                "legendrank": level + 1,
                "showlegend": factor != -0.5,
                "marker": {"color": LIKERT_COLORS[level]},
                "customdata": [[bar.percents[level], bar.n, plain(bar.text)] for bar in bars],
                "hovertemplate": (
                    "%{customdata[2]}<br>" + name + ": %{customdata[0]}% of %{customdata[1]}"
                    "<extra></extra>"
                ),
            }
        )
    layout = _layout(
        "Answers per item, before and after (% of those who answered)",
        160 + 34 * len(bars),
        barmode="relative",
        bargap=0.25,
        xaxis={
            "range": [-100, 100],
            "tickvals": [-100, -50, 0, 50, 100],
            "ticktext": ["100%", "50%", "0", "50%", "100%"],
            "gridcolor": GRID,
        },
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return {"data": data, "layout": layout}


def talked_figure(section: TalkedSection) -> Figure:
    """Return after-event Trust index means with 95% CIs for talked / did not talk."""
    groups = section.groups
    bar = {
        "type": "bar",
        "x": [plain(f"{label} (n = {iv.n})") for label, iv in groups],
        "y": [iv.estimate for _label, iv in groups],
        "marker": {"color": PHASE_COLORS["after"]},
        "error_y": _error_bars([iv for _label, iv in groups], "#1a1a1a"),
        "customdata": [[iv.n, iv.low, iv.high, _ci_text(iv.low, iv.high)] for _l, iv in groups],
        "hovertemplate": (
            "%{x}<br>Trust index %{y}, %{customdata[3]}<br>n = %{customdata[0]}<extra></extra>"
        ),
        "name": "Trust index after",
    }
    layout = _layout(
        "Trust index after the event, by talking with an officer",
        380,
        yaxis={"range": [0, 100], "title": {"text": "Trust index (0-100)"}, "automargin": True},
        showlegend=False,
    )
    return {"data": [bar], "layout": layout}


def sentiment_figure(bars: Sequence[SentimentBar]) -> Figure:
    """Return one 100% stacked bar per text item: positive, neutral, negative, unscored."""
    labels = [plain(f"{bar.code} (n = {bar.n})") for bar in bars]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": [bar.percents[index] for bar in bars],
            "y": labels,
            "name": label,
            "marker": {"color": SENTIMENT_COLORS[label]},
            "customdata": [[bar.counts[index], bar.n, plain(bar.text)] for bar in bars],
            "hovertemplate": (
                "%{customdata[2]}<br>" + label + ": %{x}% (%{customdata[0]} of "
                "%{customdata[1]})<extra></extra>"
            ),
        }
        for index, label in enumerate(SENTIMENT_LABELS)
    ]
    layout = _layout(
        "Sentiment of comments (% of each item's comments)",
        170 + 50 * len(bars),
        barmode="stack",
        xaxis={"range": [0, 100], "ticksuffix": "%", "gridcolor": GRID},
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"traceorder": "normal", "orientation": "h", "y": -0.2, "x": 0},
    )
    return {"data": data, "layout": layout}


def _domains(count: int, gap: float) -> list[tuple[float, float]]:
    """Return ``count`` equal spans of [0, 1] separated by ``gap``, left to right."""
    width = (1.0 - gap * (count - 1)) / count
    return [(i * (width + gap), i * (width + gap) + width) for i in range(count)]


def _band(points: Sequence[TrendPoint], phase: str, axes: dict[str, str]) -> dict[str, Any]:
    """Return the shaded 95% CI band: along the upper bounds, back along the lower ones."""
    return {
        "type": "scatter",
        "x": [p.day for p in points] + [p.day for p in reversed(points)],
        "y": [p.high for p in points] + [p.low for p in reversed(points)],
        "mode": "lines",
        "fill": "toself",
        "fillcolor": PHASE_BANDS[phase],
        "line": {"width": 0},
        "hoverinfo": "skip",
        "showlegend": False,
        "legendgroup": phase,
        "name": f"{PHASE_LABELS[phase]} 95% CI",
        **axes,
    }


def _left_out_text(point: TrendPoint) -> str:
    """Return the hover's mention of events left out of a month (named in the table)."""
    count = len(point.left_out)
    if not count:
        return ""
    return f" (leaves out {count} event{'' if count == 1 else 's'} too small to show)"


def trend_figure(trend: Trend, title: str) -> Figure:
    """Return small multiples, one panel per area, with before and after lines and CI bands.

    The panels share both axes (zooming one zooms all), so areas compare at a glance; only
    the panels that have an area get axes, and only the left column repeats the y labels.
    """
    areas = trend.areas
    columns = min(AREA_COLUMNS, max(1, len(areas)))
    rows = max(1, math.ceil(len(areas) / columns))
    x_domains = _domains(columns, COLUMN_GAP)
    # Row 1 is the top row: its domain is the highest span.
    y_domains = _domains(rows, ROW_GAP / rows)[::-1]
    by_group: dict[tuple[str, str], list[TrendPoint]] = {}
    for point in trend.points:
        by_group.setdefault((point.area, point.phase), []).append(point)
    scale = trend.metric.scale
    data: list[dict[str, Any]] = []
    layout = _layout(
        title,
        140 + 270 * rows,
        legend={"orientation": "h", "y": -0.08 / rows, "yanchor": "top", "x": 0},
        annotations=[],
    )
    for position, area in enumerate(areas):
        row, column = divmod(position, columns)
        suffix = "" if position == 0 else str(position + 1)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        # Every panel follows the first one's axes.
        x_match = {} if position == 0 else {"matches": "x"}
        y_match = {} if position == 0 else {"matches": "y"}
        layout[f"xaxis{suffix}"] = {
            "anchor": f"y{suffix}",
            "domain": list(x_domains[column]),
            "type": "date",
            "gridcolor": GRID,
            "showticklabels": True,
            **x_match,
        }
        layout[f"yaxis{suffix}"] = {
            "anchor": f"x{suffix}",
            "domain": list(y_domains[row]),
            "range": [scale.low, scale.high],
            "gridcolor": GRID,
            "automargin": True,
            "showticklabels": column == 0,
            **y_match,
        }
        layout["annotations"].append(
            {
                "text": plain(area),
                "x": sum(x_domains[column]) / 2,
                "xanchor": "center",
                "xref": "paper",
                "y": y_domains[row][1],
                "yanchor": "bottom",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
        for phase in ("before", "after"):
            points = by_group.get((area, phase))
            if not points:
                continue
            banded = [p for p in points if p.low is not None and p.high is not None]
            if banded:
                data.append(_band(banded, phase, axes))
            data.append(
                {
                    "type": "scatter",
                    "x": [p.day for p in points],
                    "y": [p.mean for p in points],
                    "mode": "lines+markers",
                    "name": PHASE_LABELS[phase],
                    "legendgroup": phase,
                    "showlegend": position == 0,
                    "line": {"color": PHASE_COLORS[phase], "width": 2},
                    "marker": {"color": PHASE_COLORS[phase], "size": 7},
                    "customdata": [
                        [
                            plain(p.period),
                            p.n,
                            p.low,
                            p.high,
                            _ci_text(p.low, p.high),
                            _left_out_text(p),
                        ]
                        for p in points
                    ],
                    "hovertemplate": (
                        "%{customdata[0]}<br>mean %{y}, %{customdata[4]}<br>"
                        "n = %{customdata[1]}%{customdata[5]}<extra>%{fullData.name}</extra>"
                    ),
                    **axes,
                }
            )
    return {"data": data, "layout": layout}
