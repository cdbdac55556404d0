"""Trends on a crafted department: month pooling, suppression, filters, CSV = page = figure."""

from datetime import datetime
from statistics import fmean
from zoneinfo import ZoneInfo

import pytest
from scipy import stats as sp

from survey.sentiment.scoring import score_text
from tests.dashboard.conftest import (
    ITEMS,
    csv_records,
    page_figures,
    page_tables,
    parse_csv,
    shown_page_rows,
)

EASTERN = ZoneInfo("America/New_York")
PRAISE = ("Great event, the officers were wonderful.", "Nice and helpful people.")


def trust(level):
    return (level - 1) / 4 * 100


@pytest.fixture
def department(make_department, make_event, respond):
    """Four events; the answers of each phase cycle through fixed levels.

    - "NNO North": Northside, 5 Aug 2025, 12 before (2,3) and 12 after (4,5) with praise
    - "Late North": Northside, 31 Aug 2025 22:30 Eastern (1 Sep in UTC), 8 and 8
    - "Walk South": Southside community walk, 10 Sep 2025, 11 and 10
    - "Hall North": Northside town hall, 20 Sep 2025, 5 before and 10 after
    """
    department = make_department(timezone="America/New_York")
    plan = [
        (
            "NNO North",
            "Northside",
            "national-night-out",
            datetime(2025, 8, 5, 18, tzinfo=EASTERN),
            12,
            12,
        ),
        (
            "Late North",
            "Northside",
            "national-night-out",
            datetime(2025, 8, 31, 22, 30, tzinfo=EASTERN),
            8,
            8,
        ),
        (
            "Walk South",
            "Southside",
            "community-walk",
            datetime(2025, 9, 10, 10, tzinfo=EASTERN),
            11,
            10,
        ),
        ("Hall North", "Northside", "town-hall", datetime(2025, 9, 20, 18, tzinfo=EASTERN), 5, 10),
    ]
    levels = {}
    for name, area, kind, start, n_before, n_after in plan:
        event = make_event(department, name=name, area=area, kind=kind, starts_at=start)
        for phase, count, cycle in (("before", n_before, (2, 3)), ("after", n_after, (4, 5))):
            levels[(name, phase)] = [cycle[i % 2] for i in range(count)]
            for i, level in enumerate(levels[(name, phase)]):
                answers = dict.fromkeys(ITEMS, level)
                if phase == "after":
                    answers["TALKED"] = 1
                    if name == "NNO North":
                        answers["COMMENT"] = PRAISE[i % 2]
                respond(event, phase, answers, phone=f"{name}-{i}")
    return department, levels


def expected_mean_ci(levels):
    values = [trust(level) for level in levels]
    low, high = sp.t.interval(0.95, len(values) - 1, loc=fmean(values), scale=sp.sem(values))
    return fmean(values), low, high


def close(text, expected, digits=1):
    return abs(float(text) - expected) <= 0.5 * 10**-digits + 1e-9


def trend_rows(client, chart="trust", **args):
    query = "&".join(f"{k}={v}" for k, v in {"chart": chart, **args}.items())
    response = client.get(f"/staff/trends.csv?{query}")
    assert response.status_code == 200
    return csv_records(response.data)


def test_months_pool_events_in_the_departments_time_zone(client, login, make_user, department):
    dept, levels = department
    login(make_user("staff", department=dept))
    rows = trend_rows(client, by="month")
    shown = {(r["Area"], r["Month"], r["Phase"]): r for r in rows if r["n"]}
    august = shown[("Northside", "2025-08", "before")]
    mean, low, high = expected_mean_ci(levels[("NNO North", "before")])
    assert august["n"] == "12"
    assert august["Month start"] == "2025-08-01"
    assert close(august["Trust index mean"], mean)
    assert close(august["95% CI low"], low)
    assert close(august["95% CI high"], high)
    # 31 August 22:30 in New York is 1 September in UTC; it belongs to August (and is left out
    # of it, being small).
    assert august["Note"] == (
        "leaves out 1 event with fewer than 10 responses: Late North (2025-08-31)"
    )
    assert shown[("Northside", "2025-09", "after")]["n"] == "10"
    assert set(shown) == {
        ("Northside", "2025-08", "before"),
        ("Northside", "2025-08", "after"),
        ("Northside", "2025-09", "after"),
        ("Southside", "2025-09", "before"),
        ("Southside", "2025-09", "after"),
    }
    hidden = [r for r in rows if not r["n"]]
    assert [(r["Area"], r["Month"], r["Phase"], r["Note"]) for r in hidden] == [
        (
            "Northside",
            "2025-09",
            "before",
            "its 1 event had fewer than 10 responses: Hall North (2025-09-20)",
        )
    ]


def test_a_month_pools_only_the_events_shown_on_their_own(client, login, make_user, department):
    """August Northside held NNO North (12 + 12) and Late North (8 + 8).

    Were Late North pooled into the month (n = 20), its hidden mean would be
    (20 × month mean - 12 × NNO mean) / 8. The month must be exactly NNO North's figure.
    """
    dept, levels = department
    login(make_user("staff", department=dept))
    for chart, title in (("trust", "Trust index"), ("safety", "Safety index")):
        events = {
            (r["Event"], r["Phase"]): r for r in trend_rows(client, chart, by="event") if r["n"]
        }
        months = {
            (r["Area"], r["Month"], r["Phase"]): r
            for r in trend_rows(client, chart, by="month")
            if r["n"]
        }
        for phase in ("before", "after"):
            nno = events[("NNO North", phase)]
            august = months[("Northside", "2025-08", phase)]
            mean, _low, _high = expected_mean_ci(levels[("NNO North", phase)])
            assert august["n"] == nno["n"] == "12"
            assert close(august[f"{title} mean"], mean)
            for column in (f"{title} mean", "95% CI low", "95% CI high"):
                assert august[column] == nno[column], (chart, phase, column)
            assert "Late North (2025-08-31)" in august["Note"]


@pytest.mark.parametrize(
    "query",
    [
        {"by": "month"},
        {"by": "month", "area": "Northside"},
        {"by": "month", "kind": "national-night-out"},
        {"by": "month", "from": "2025-08-06"},
        {"by": "month", "from": "2025-08-31", "to": "2025-08-31"},
        {"by": "event", "from": "2025-08-06", "to": "2025-09-30"},
    ],
)
def test_no_filter_lets_a_small_event_into_a_figure(client, login, make_user, department, query):
    dept, _levels = department
    login(make_user("staff", department=dept))
    small = {("Late North", "before"), ("Late North", "after"), ("Hall North", "before")}
    allowed_n = {"12", "11", "10"}  # the shown event phases: NNO North, Walk South, Hall after
    for chart in ("trust", "safety"):
        for row in trend_rows(client, chart, **query):
            if row["n"]:
                assert row["n"] in allowed_n, (chart, query, row)
                assert (row.get("Event"), row["Phase"]) not in small
            else:
                assert row["Note"]
    html = client.get("/staff/trends", query_string=query).get_data(as_text=True)
    for figure in page_figures(html).values():
        for trace in figure["data"]:
            for data in trace.get("customdata", []):
                assert str(data[1]) in allowed_n
                assert "Late North" not in data[0]


def test_the_page_says_small_events_are_left_out_and_names_them(
    client, login, make_user, department
):
    dept, _levels = department
    login(make_user("staff", department=dept))
    html = client.get("/staff/trends?by=month").get_data(as_text=True)
    assert (
        "Events with fewer than 10 responses are left out of every figure on this page, "
        "months included, so their numbers cannot be worked out by subtracting one figure "
        "from another."
    ) in " ".join(html.split())
    # The month's row names the event it leaves out; the chart's hover says so too.
    august = next(row for row in page_tables(html)["trust"] if row[1] == "2025-08")
    assert august[-1] == "leaves out 1 event with fewer than 10 responses: Late North (2025-08-31)"
    hovers = [
        data[5]
        for trace in page_figures(html)["trust"]["data"]
        if trace.get("mode") == "lines+markers"
        for data in trace["customdata"]
        if data[0] == "2025-08"
    ]
    assert hovers == [" (leaves out 1 event too small to show)"] * 2
    # A month with no event large enough is listed under the table with its events.
    assert (
        '<li><span class="group">Northside · 2025-09 · 2025-09-01 · before</span>: '
        "its 1 event had fewer than 10 responses: Hall North (2025-09-20)</li>"
    ) in html


@pytest.mark.parametrize(("size", "shown"), [(6, False), (12, True)])
def test_events_sharing_name_day_and_area_are_judged_apart(
    client, login, make_user, make_department, make_event, respond, size, shown
):
    dept = make_department(timezone="America/New_York")
    for hour in (17, 19):
        event = make_event(
            dept,
            name="Block party",
            area="Eastside",
            starts_at=datetime(2025, 6, 14, hour, tzinfo=EASTERN),
        )
        for i in range(size):
            respond(event, "before", dict.fromkeys(ITEMS, 3 + hour % 2), phone=f"{hour}-{i}")
    login(make_user("staff", department=dept))
    events = trend_rows(client, by="event")
    assert [(r["Event"], r["n"]) for r in events] == [
        ("Block party, 17:00", str(size) if shown else ""),
        ("Block party, 19:00", str(size) if shown else ""),
    ]
    months = trend_rows(client, by="month")
    if shown:
        assert [(r["Month"], r["n"], r["Note"]) for r in months] == [
            ("2025-06", str(2 * size), "")
        ]
    else:
        # Two groups of 6 never make a shown 12.
        assert [(r["Month"], r["n"], r["Note"]) for r in months] == [
            (
                "2025-06",
                "",
                "each of its 2 events had fewer than 10 responses: "
                "Block party, 17:00 (2025-06-14); Block party, 19:00 (2025-06-14)",
            )
        ]


def test_small_groups_are_left_out_and_listed(client, login, make_user, department):
    dept, _levels = department
    login(make_user("staff", department=dept))
    rows = trend_rows(client, by="event")
    suppressed = [r for r in rows if r["Note"]]
    assert {(r["Event"], r["Phase"]) for r in suppressed} == {
        ("Late North", "before"),
        ("Late North", "after"),
        ("Hall North", "before"),
    }
    assert all(r["Note"] == "fewer than 10 responses" and r["n"] == "" for r in suppressed)

    html = client.get("/staff/trends?by=event").get_data(as_text=True)
    assert '<span class="group">Northside · Hall North · 2025-09-20 · before</span>' in html
    for key, rows_on_page in page_tables(html).items():
        assert not any("Late North" in cell for row in rows_on_page for cell in row), key
    for key, figure in page_figures(html).items():
        periods = [
            data[0]
            for trace in figure["data"]
            if "customdata" in trace
            for data in trace["customdata"]
        ]
        assert "Late North" not in periods, key
    # The Hall's after group is large enough to show; its before group is not.
    drawn = {
        (trace["name"], data[0])
        for trace in page_figures(html)["trust"]["data"]
        if trace.get("mode") == "lines+markers"
        for data in trace["customdata"]
    }
    assert ("After", "Hall North") in drawn
    assert ("Before", "Hall North") not in drawn


def test_area_kind_and_date_filters(client, login, make_user, department):
    dept, _levels = department
    login(make_user("staff", department=dept))
    south = trend_rows(client, by="event", area="Southside")
    assert {r["Area"] for r in south} == {"Southside"}
    halls = trend_rows(client, by="event", kind="town-hall")
    assert {r["Event"] for r in halls} == {"Hall North"}
    september = trend_rows(client, by="event", **{"from": "2025-09-01", "to": "2025-09-30"})
    assert {r["Event"] for r in september} == {"Walk South", "Hall North"}
    # "to" includes its whole local day; the NNO is on 5 August.
    first = trend_rows(client, by="event", **{"from": "2025-08-05", "to": "2025-08-05"})
    assert {r["Event"] for r in first} == {"NNO North"}

    html = client.get(
        "/staff/trends?area=Southside&kind=community-walk&from=2025-09-01&by=event"
    ).get_data(as_text=True)
    assert '<input type="checkbox" name="area" value="Southside" checked>' in html
    assert '<input type="checkbox" name="area" value="Northside">' in html
    assert '<option value="community-walk" selected>' in html
    assert 'value="2025-09-01"' in html
    # The CSV links repeat the filters, so the download is what the page shows.
    assert (
        "/staff/trends.csv?chart=trust&amp;by=event&amp;area=Southside&amp;kind=community-walk"
        "&amp;from=2025-09-01" in html
    )


def test_a_malformed_date_is_ignored_with_a_message(client, login, make_user, department):
    dept, _levels = department
    login(make_user("staff", department=dept))
    html = client.get("/staff/trends?from=2025-13-01&by=event").get_data(as_text=True)
    assert "From date &#39;2025-13-01&#39; is not a date like 2024-08-06" in html
    assert "NNO North" in html
    reversed_range = client.get("/staff/trends?from=2025-09-30&to=2025-09-01").get_data(
        as_text=True
    )
    assert "The date range ends before it starts; it was ignored." in reversed_range


def test_mean_comment_sentiment(client, login, make_user, department):
    dept, _levels = department
    login(make_user("staff", department=dept))
    rows = trend_rows(client, chart="sentiment", by="event")
    (nno,) = [r for r in rows if r["Event"] == "NNO North" and r["n"]]
    polarities = [score_text(PRAISE[i % 2]).polarity for i in range(12)]
    low, high = sp.t.interval(0.95, 11, loc=fmean(polarities), scale=sp.sem(polarities))
    assert nno["Phase"] == "after"
    assert nno["n"] == "12"
    assert close(nno["Mean comment sentiment mean"], fmean(polarities), 3)
    assert close(nno["95% CI low"], low, 3)
    assert close(nno["95% CI high"], high, 3)


@pytest.mark.parametrize("grain", ["month", "event"])
def test_each_chart_csv_matches_the_page_and_its_figure(
    client, login, make_user, department, grain
):
    dept, _levels = department
    login(make_user("researcher", department=dept))
    html = client.get(f"/staff/trends?by={grain}").get_data(as_text=True)
    tables = page_tables(html)
    figures = page_figures(html)
    assert set(tables) == set(figures) == {"trust", "safety", "sentiment"}
    for chart in ("trust", "safety", "sentiment"):
        header, *rows = parse_csv(client.get(f"/staff/trends.csv?chart={chart}&by={grain}").data)
        assert tables[chart] == shown_page_rows(header, rows)
        shown = [row for row in rows if row[4]]
        drawn = []
        for trace in figures[chart]["data"]:
            if trace.get("mode") != "lines+markers":
                continue
            for x, y, (period, n, low, high, *_text) in zip(
                trace["x"], trace["y"], trace["customdata"], strict=True
            ):
                drawn.append((period, x, trace["name"].lower(), n, y, low, high))
        expected = [
            (r[1], r[2], r[3], int(r[4]), float(r[5]), float(r[6]), float(r[7])) for r in shown
        ]
        assert sorted(drawn) == sorted(expected), chart


def test_other_departments_never_appear(client, login, make_user, make_event, respond, department):
    dept, _levels = department
    stranger = make_event(name="Elsewhere night", area="Northside")
    for i in range(12):
        respond(stranger, "before", dict.fromkeys(ITEMS, 1), phone=f"s{i}")
    login(make_user("staff", department=dept))
    html = client.get("/staff/trends?by=event").get_data(as_text=True)
    assert "Elsewhere night" not in html
    assert not any(r["Event"] == "Elsewhere night" for r in trend_rows(client, by="event"))


def test_no_matching_responses(client, login, make_user, department):
    dept, _levels = department
    login(make_user("staff", department=dept))
    response = client.get("/staff/trends?from=2030-01-01")
    assert response.status_code == 200
    assert "No responses match these filters." in response.get_data(as_text=True)
    assert trend_rows(client, **{"from": "2030-01-01"}) == []


def test_unknown_chart_is_404(client, login, make_user, department):
    dept, _levels = department
    login(make_user("staff", department=dept))
    assert client.get("/staff/trends.csv?chart=everything").status_code == 404
    # No chart named: the Trust index, the page's first chart.
    plain = client.get("/staff/trends.csv")
    assert plain.status_code == 200
    assert plain.headers["Content-Disposition"] == 'attachment; filename="trends-trust-month.csv"'


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01&by=event"])
def test_extreme_dates_show_the_page_with_a_message(client, login, make_user, department, query):
    dept, _levels = department
    login(make_user("staff", department=dept))
    response = client.get(f"/staff/trends?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is outside the years 1900 to 2999; it was ignored." in html
    assert "NNO North" in html
    assert client.get(f"/staff/trends.csv?{query}").status_code == 200


def test_new_responses_show_on_the_next_view(client, login, make_user, make_event, respond):
    event = make_event(name="Growing night", area="Northside")
    for i in range(10):
        respond(event, "before", dict.fromkeys(ITEMS, 3), phone=f"p{i}")
    login(make_user("staff", department=event.department))
    (first,) = [r for r in trend_rows(client, by="event") if r["n"]]
    assert (first["n"], first["Trust index mean"]) == ("10", "50.0")
    # Remembered intervals are keyed by the group's sums: two more answers, new numbers.
    for i in range(10, 12):
        respond(event, "before", dict.fromkeys(ITEMS, 5), phone=f"p{i}")
    (second,) = [r for r in trend_rows(client, by="event") if r["n"]]
    mean, low, high = expected_mean_ci([3] * 10 + [5] * 2)
    assert second["n"] == "12"
    assert close(second["Trust index mean"], mean)
    assert close(second["95% CI low"], low)
    assert close(second["95% CI high"], high)
