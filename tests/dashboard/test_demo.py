"""The report and trends on `flask demo` data: ~20,000 responses loaded once for this module."""

import shutil

import pytest
from sqlalchemy import select

from survey import create_app
from survey.demo import DEMO_PASSWORD
from survey.events.models import Department, Event
from survey.extensions import db
from tests.conftest import FreshContextClient, _empty_postgres, base_config, fetch_form
from tests.dashboard.conftest import (
    csv_records,
    page_figures,
    page_tables,
    parse_csv,
    shown_page_rows,
    validated,
)


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def demo_app(request, tmp_path_factory):
    """One app on a database holding the demo data, shared by every test of this module."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = create_app(base_config(url))
    app.test_client_class = FreshContextClient
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        yield app
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        _empty_postgres(url)


def signed_in(app, role, slug="springfield-pd"):
    client = app.test_client()
    form = fetch_form(client, "/staff/login")
    response = client.post(
        "/staff/login",
        data={
            "email": f"{role}@{slug}.example",
            "password": DEMO_PASSWORD,
            "csrf_token": form["csrf_token"],
        },
    )
    assert response.status_code == 302
    return client


def springfield_events(app):
    with app.app_context():
        return db.session.execute(
            select(Event.id, Event.status)
            .join(Department)
            .where(Department.slug == "springfield-pd")
            .order_by(Event.starts_at)
        ).all()


def test_every_report_renders_with_its_charts(demo_app):
    client = signed_in(demo_app, "staff")
    events = springfield_events(demo_app)
    assert len(events) == 25
    drawn = []
    for event_id, status in events:
        response = client.get(f"/staff/events/{event_id}/report")
        assert response.status_code == 200, event_id
        html = response.get_data(as_text=True)
        figures = page_figures(html)
        if status == "draft":
            assert figures == {}
        else:
            assert set(figures) == {"indices", "items", "likert", "talked", "sentiment"}
            drawn.append(figures)
            assert "<blockquote>" in html  # staff read the comments
    # plotly's schema accepts what the pages send (checked on one report: checking is slow).
    for figure in drawn[0].values():
        validated(figure)


SIX_AREAS = ["Downtown", "Eastgate", "Northside", "Riverside", "Southpark", "Westwood"]


@pytest.mark.parametrize(
    ("query", "panels"),
    [
        ("", SIX_AREAS),
        ("?by=event", SIX_AREAS),
        ("?by=month&area=Northside&area=Eastgate", ["Eastgate", "Northside"]),
        # The demo's town halls since 2025 were held in two areas only.
        ("?kind=town-hall&from=2025-01-01", ["Southpark", "Westwood"]),
    ],
)
def test_trends_render(demo_app, query, panels):
    client = signed_in(demo_app, "admin")
    html = client.get(f"/staff/trends{query}").get_data(as_text=True)
    figures = page_figures(html)
    assert set(figures) == {"trust", "safety", "sentiment"}
    assert [a["text"] for a in figures["trust"]["layout"]["annotations"]] == panels
    for figure in figures.values():
        validated(figure)


def test_a_trend_csv_matches_the_page_and_the_figure(demo_app):
    client = signed_in(demo_app, "researcher")
    html = client.get("/staff/trends?by=month").get_data(as_text=True)
    header, *rows = parse_csv(client.get("/staff/trends.csv?chart=trust&by=month").data)
    shown = [row for row in rows if row[4]]
    assert len(shown) > 20
    assert page_tables(html)["trust"] == shown_page_rows(header, rows)
    drawn = sorted(
        (trace["name"].lower(), period, x, n, y, low, high)
        for trace in page_figures(html)["trust"]["data"]
        if trace.get("mode") == "lines+markers"
        for x, y, (period, n, low, high, *_text) in zip(
            trace["x"], trace["y"], trace["customdata"], strict=True
        )
    )
    expected = sorted(
        (r[3], r[1], r[2], int(r[4]), float(r[5]), float(r[6]), float(r[7])) for r in shown
    )
    assert drawn == expected


def test_a_report_csv_matches_the_page(demo_app):
    client = signed_in(demo_app, "admin")
    event_id = springfield_events(demo_app)[0].id
    tables = page_tables(client.get(f"/staff/events/{event_id}/report").get_data(as_text=True))
    rows = csv_records(client.get(f"/staff/events/{event_id}/report.csv?chart=indices").data)
    assert [row[0] for row in tables["indices"]] == [row["Measure"] for row in rows]
    assert tables["indices"][0][1:3] == [rows[0]["Before n"], rows[0]["Before mean"]]


def test_researchers_read_no_demo_comments(demo_app):
    client = signed_in(demo_app, "researcher")
    event_id = springfield_events(demo_app)[0].id
    html = client.get(f"/staff/events/{event_id}/report").get_data(as_text=True)
    assert "<blockquote>" not in html
    assert "Great event, the officers were friendly" not in html


def test_another_departments_report_is_404(demo_app):
    client = signed_in(demo_app, "admin", slug="fairview-pd")
    event_id = springfield_events(demo_app)[0].id
    assert client.get(f"/staff/events/{event_id}/report").status_code == 404
    assert client.get(f"/staff/events/{event_id}/report.csv?chart=likert").status_code == 404
    trends = client.get("/staff/trends").get_data(as_text=True)
    assert "Northside" not in trends
    assert "Hillcrest" in trends
