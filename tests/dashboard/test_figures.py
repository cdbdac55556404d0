"""The figure specs: valid for plotly's schema, laid out as promised, names kept as text.

figures.py writes plotly.js's JSON by hand (plotly.graph_objects validated every property on
every request); here each kind of figure is checked once against plotly's own schema by
building a graph object from it, which raises on any unknown property or invalid value.
"""

from datetime import UTC, datetime, timedelta

import pytest

from survey.analytics.groups import Sums
from survey.analytics.stats import Interval
from survey.dashboard import figures
from survey.dashboard.breakdowns import LikertBar, SentimentBar, TalkedSection
from survey.dashboard.report import INDEX_SCALE, Counts, compare
from survey.dashboard.rows import EventPhaseRow
from survey.dashboard.trends import METRICS, build_trend
from tests.dashboard.conftest import validated

MARKUP = "<b>Bold</b> & <script>alert(1)</script>"


def sums(values):
    return Sums(len(values), float(sum(values)), float(sum(v * v for v in values)))


def comparisons():
    trust = compare(
        "Trust index",
        sums([25, 50, 75] * 5),
        sums([50, 75, 100] * 5),
        sums([25, 0, 25] * 5),
        INDEX_SCALE,
        10,
    )
    hidden = compare(MARKUP, sums([50] * 3), sums([75] * 12), None, INDEX_SCALE, 10, short=MARKUP)
    return [trust, hidden]


def trend_rows(areas, events_per_area=2):
    start = datetime(2025, 1, 10, 18, tzinfo=UTC)
    rows = []
    event_id = 0
    for area in areas:
        for number in range(events_per_area):
            event_id += 1
            for phase, level in (("before", 50.0), ("after", 70.0)):
                values = [level - 10, level, level + 10] * 4
                rows.append(
                    EventPhaseRow(
                        event_id,
                        f"{MARKUP} {number}",
                        area,
                        "other",
                        start + timedelta(days=40 * number),
                        phase,
                        sums(values),
                        sums(values),
                        sums([v / 100 for v in values]),
                    )
                )
    return rows


def all_figures():
    talked = TalkedSection(
        (
            ("Talked with an officer", Interval(70.0, 60.0, 80.0, 12)),
            ("Did not talk with an officer", Interval(55.0, 45.0, 65.0, 11)),
        ),
        Interval(15.0, 1.2, 28.8, 23),
        (),
    )
    likert = [
        LikertBar("TRUST", MARKUP, phase, 20, (10.0, 15.0, 20.0, 30.0, 25.0), 2)
        for phase in ("before", "after")
    ]
    sentiment = [SentimentBar("COMMENT", MARKUP, 20, (50.0, 20.0, 20.0, 10.0), (10, 4, 4, 2))]
    built = {
        "comparison": figures.comparison_figure(
            comparisons(), Counts(15, 15, 15), MARKUP, (0, 100)
        ),
        "likert": figures.likert_figure(likert),
        "talked": figures.talked_figure(talked),
        "sentiment": figures.sentiment_figure(sentiment),
    }
    for count in (1, 2, 4, 7):
        areas = [f"Area {i} {MARKUP}" for i in range(count)]
        for grain in ("month", "event"):
            trend = build_trend(trend_rows(areas), METRICS["trust"], grain, "UTC", 10)
            built[f"trend-{count}-{grain}"] = figures.trend_figure(trend, MARKUP)
    return built


@pytest.mark.parametrize(("name", "figure"), list(all_figures().items()))
def test_every_figure_fits_plotlys_schema(name, figure):
    validated(figures.payload(figure, name))
    layout = figure["layout"]
    for trace in figure["data"]:
        assert trace["type"] in ("scatter", "bar")
        # A trace on a panel other than the first names axes the layout must define.
        for axis in ("xaxis", "yaxis"):
            if axis in trace:
                assert f"{axis}{trace[axis][1:]}" in layout, (name, trace[axis])


def test_the_schema_check_refuses_a_wrong_spec():
    figure = figures.talked_figure(TalkedSection((), None, ()))
    validated(figure)
    figure["data"][0]["error_y"]["symetric"] = False
    with pytest.raises(ValueError, match="symetric"):
        validated(figure)


def test_areas_sit_side_by_side_three_to_a_row():
    areas = [f"Area {i}" for i in range(4)]
    trend = build_trend(trend_rows(areas), METRICS["safety"], "month", "UTC", 10)
    layout = figures.trend_figure(trend, "Safety")["layout"]
    assert [a["text"] for a in layout["annotations"]] == areas
    # Four panels, four pairs of axes: no empty fifth and sixth panel.
    assert sorted(k for k in layout if k.startswith("xaxis")) == [
        "xaxis",
        "xaxis2",
        "xaxis3",
        "xaxis4",
    ]
    x = [layout[k]["domain"] for k in ("xaxis", "xaxis2", "xaxis3", "xaxis4")]
    y = [layout[k]["domain"] for k in ("yaxis", "yaxis2", "yaxis3", "yaxis4")]
    assert x[0] == x[3]
    assert x[0][1] < x[1][0] < x[1][1] < x[2][0]
    assert y[0] == y[1] == y[2]
    assert y[3][1] < y[0][0]
    # One scale for every panel, so areas compare at a glance; labels on the left column.
    assert {layout[f"yaxis{s}"].get("matches") for s in ("2", "3", "4")} == {"y"}
    assert {layout[f"xaxis{s}"].get("matches") for s in ("2", "3", "4")} == {"x"}
    assert [layout[k]["showticklabels"] for k in ("yaxis", "yaxis2", "yaxis3", "yaxis4")] == [
        True,
        False,
        False,
        True,
    ]
    assert all(layout[k]["range"] == [0.0, 100.0] for k in layout if k.startswith("yaxis"))


def test_bands_follow_the_upper_bounds_and_return_along_the_lower():
    trend = build_trend(trend_rows(["North"]), METRICS["trust"], "event", "UTC", 10)
    data = figures.trend_figure(trend, "Trust")["data"]
    band, line = data[0], data[1]
    points = [p for p in trend.points if p.phase == "before"]
    assert band["fill"] == "toself"
    assert band["hoverinfo"] == "skip"
    assert band["y"] == [p.high for p in points] + [p.low for p in reversed(points)]
    assert line["y"] == [p.mean for p in points]
    assert [row[1] for row in line["customdata"]] == [p.n for p in points]


def test_people_typed_text_reaches_plotly_escaped():
    texts = []
    for figure in all_figures().values():
        layout = figure["layout"]
        texts.append(layout["title"]["text"])
        texts.extend(a["text"] for a in layout.get("annotations", []))
        for trace in figure["data"]:
            texts.extend(v for v in trace.get("y", []) if isinstance(v, str))
            texts.extend(v for v in trace.get("x", []) if isinstance(v, str))
            texts.extend(v for row in trace.get("customdata", []) for v in row)
    escaped = "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"
    shown = [t for t in texts if isinstance(t, str) and "Bold" in t]
    assert shown
    assert all(escaped in text for text in shown)
    assert not any("<" in t for t in texts if isinstance(t, str) and "Bold" in t)
