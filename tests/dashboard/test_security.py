"""Hostile text stays text, the CSP stays strict, plotly.js comes from this server."""

import re

import pytest

from survey.dashboard import plotlyjs
from survey.events.instrument import default_question_rows
from survey.events.models import Question, QuestionSet
from survey.extensions import db
from tests.dashboard.conftest import ITEMS, page_figures

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMAGE = "&lt;img src=x onerror=alert(2)&gt;"
TAG_RE = re.compile(r"<script\b[^>]*>", re.I)


@pytest.fixture
def hostile(app, make_department, make_event, respond):
    """An event whose name, area, TRUST wording and comments are all markup; 12 answers a phase."""
    department = make_department(areas=[IMAGE])
    rows = default_question_rows()
    for row in rows:
        if row["code"] == "TRUST":
            row["text_en"] = SCRIPT
    question_set = QuestionSet(department=department, name="Hostile", version=1)
    question_set.questions = [Question(**row) for row in rows]
    db.session.add(question_set)
    db.session.commit()
    event = make_event(department, name=SCRIPT, area=IMAGE, question_set=question_set)
    for number in range(12):
        respond(event, "before", dict.fromkeys(ITEMS, 2), phone=f"p{number}")
        respond(
            event,
            "after",
            dict.fromkeys(ITEMS, 4) | {"TALKED": number % 2, "COMMENT": SCRIPT},
            phone=f"p{number}",
        )
    return event


def strings_in(value):
    """Yield every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def assert_no_live_markup(html):
    """No script runs but ours: every <script> is a src'd file or inert JSON data."""
    for tag in TAG_RE.findall(html):
        assert 'type="application/json"' in tag or " src=" in tag, tag
    assert SCRIPT not in html
    assert IMAGE not in html


@pytest.mark.parametrize("path", ["/staff/events/{id}/report", "/staff/trends?by=event"])
def test_markup_in_names_and_comments_shows_as_text(client, login, make_user, hostile, path):
    login(make_user("staff", department=hostile.department))
    html = client.get(path.format(id=hostile.id)).get_data(as_text=True)
    assert_no_live_markup(html)
    assert ESCAPED_SCRIPT in html
    figures = page_figures(html)
    assert figures, "the page should draw charts for 12 answers per phase"
    texts = [text for figure in figures.values() for text in strings_in(figure)]
    # Plotly reads its labels as HTML: the names reach it escaped, so it prints them as typed.
    assert not any("<script" in text or "<img" in text for text in texts)
    assert any(ESCAPED_SCRIPT in text for text in texts)


def test_comment_markup_is_text_on_the_report(client, login, make_user, hostile):
    login(make_user("admin", department=hostile.department))
    html = client.get(f"/staff/events/{hostile.id}/report").get_data(as_text=True)
    assert html.count(f"<blockquote>{ESCAPED_SCRIPT}</blockquote>") == 12
    assert f"<h1>Report: {ESCAPED_SCRIPT}</h1>" in html


def test_trend_hover_labels_and_panel_titles_are_escaped(client, login, make_user, hostile):
    login(make_user("staff", department=hostile.department))
    html = client.get("/staff/trends?by=event").get_data(as_text=True)
    trust = page_figures(html)["trust"]
    titles = [a["text"] for a in trust["layout"]["annotations"]]
    assert titles == [ESCAPED_IMAGE]
    periods = {row[0] for t in trust["data"] if "customdata" in t for row in t["customdata"]}
    assert periods == {ESCAPED_SCRIPT}
    # The area filter checkbox shows the name as text too.
    assert f'value="{ESCAPED_IMAGE}"' in html


def directives(policy):
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize("path", ["/staff/events/{id}/report", "/staff/trends"])
def test_chart_pages_keep_a_strict_csp(client, login, make_user, hostile, path):
    login(make_user("staff", department=hostile.department))
    response = client.get(path.format(id=hostile.id))
    policy = response.headers["Content-Security-Policy"]
    csp = directives(policy)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    # Plotly's PNG download draws the chart into an image from a blob: URL.
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    html = response.get_data(as_text=True)
    # plotly.js's own rules come from our stylesheet, marked so plotly.js does not inject them.
    assert (
        '<link id="plotly.js-style-global" class="no-inline-styles" rel="stylesheet" '
        'href="/static/dashboard.css?v=' in html
    )
    for style_id in plotlyjs.guarded_style_ids():
        assert f'<template id="{style_id}"></template>' in html
    assert "style=" not in html


def test_other_pages_keep_the_site_csp(client, login, make_user, hostile):
    login(make_user("staff", department=hostile.department))
    response = client.get(f"/staff/events/{hostile.id}/report.csv?chart=indices")
    assert "blob:" not in response.headers["Content-Security-Policy"]


def test_plotly_js_is_served_locally_with_a_long_cache(client, login, make_user, hostile):
    login(make_user("staff", department=hostile.department))
    html = client.get("/staff/trends").get_data(as_text=True)
    url = f"/staff/assets/plotly-{plotlyjs.version()}.min.js"
    assert f'<script src="{url}" defer></script>' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no third-party requests"

    client.post("/staff/logout", data={})  # the file is public, like /static
    anonymous = client.application.test_client()
    with anonymous.get(url) as response:
        body = response.data
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        cache = {part.strip() for part in response.headers["Cache-Control"].split(",")}
        etag = response.headers["ETag"]
    assert cache == {"public", "max-age=31536000", "immutable"}
    assert body == plotlyjs.BUNDLE.read_bytes()
    assert body.startswith(b"/**\n* plotly.js v" + plotlyjs.version().encode())
    with anonymous.get(url, headers={"If-None-Match": etag}) as revalidated:
        assert revalidated.status_code == 304
    assert anonymous.get("/staff/assets/plotly-0.0.1.min.js").status_code == 404


def test_the_stylesheet_holds_every_rule_plotly_would_inject():
    """plotly.js would inject these as a <style> element; after an upgrade, refresh the copy."""
    from pathlib import Path

    bundle = plotlyjs.BUNDLE.read_text(encoding="utf-8")
    start = bundle.index('={"X,X div"')
    body = bundle[start + 1 : bundle.index("};for(", start) + 1]
    rules = re.findall(r'(?:"([^"]*)"|([A-Za-z_$][\w$]*)):(?:\'([^\']*)\'|"([^"]*)")', body)
    assert len(rules) > 50
    css = (Path(__file__).parents[2] / "survey" / "static" / "dashboard.css").read_text()
    for quoted, bare, single, double in rules:
        selector = re.sub(r"^,", " ,", quoted or bare)
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace(
            "Y", ".plotly-notifier"
        )
        assert f"{selector}{{{single or double}}}" in css, selector


def test_no_other_load_time_styles_in_the_bundle():
    """Every <style> plotly.js creates while loading is either its global rules or guarded."""
    bundle = plotlyjs.BUNDLE.read_text(encoding="utf-8")
    # The marker the page's <link> carries is the one this bundle checks for.
    prefix, name = plotlyjs.GLOBAL_STYLE_ID.rsplit("-", 1)
    assert f'"{prefix}-"+' in bundle
    assert f'("{name}",' in bundle
    assert f'.matches(".{plotlyjs.NO_INLINE_STYLES_CLASS}")' in bundle
    created = bundle.count('document.createElement("style")')
    # One in addStyleRule (skipped by the marker link), the rest behind an id check.
    assert created == 1 + len(plotlyjs.guarded_style_ids())
    assert plotlyjs.guarded_style_ids()
