"""Hostile names in charts, in a real browser under the real CSP: shown as text, never run.

tests/browser/test_staff.py walks the report and trends on ordinary data; this module puts
markup in an event's name, area and comments and checks what plotly.js makes of it (hover
labels, panel titles) and that the PNG download works under the CSP. The test's own app is
served over real HTTP on 127.0.0.1 (Werkzeug in a thread) and driven with Debian's Chromium
through Playwright. Skipped when either is missing.
"""

import importlib.util
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.dashboard.conftest import ITEMS

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
# Every chart holder has been turned into a Plotly graph with its SVG.
DRAWN = """Array.from(document.querySelectorAll("[data-figure]")).every(
  (holder) => holder.classList.contains("js-plotly-plot") && holder.querySelector(".main-svg")
)"""
CSP_LISTENER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


@pytest.fixture
def served(app):
    """Serve the test's app on a free port of 127.0.0.1; return its base URL."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the browser check is about the page, not the database: SQLite suffices")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def browser_page(served, tmp_path):
    """A desktop Chromium page that records CSP violations, errors, dialogs and requests."""
    if importlib.util.find_spec("playwright") is None or not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} and playwright (dev extras)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(
            base_url=served, viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        context.add_init_script(CSP_LISTENER)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.problems = []
        page.requests = []
        page.on(
            "dialog",
            lambda dialog: (page.problems.append(f"dialog {dialog.message}"), dialog.dismiss()),
        )
        page.on("pageerror", lambda error: page.problems.append(f"error {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and "favicon" not in (message.location or {}).get("url", "")
                and page.problems.append(f"console {message.text}")
            ),
        )
        page.on("request", lambda request: page.requests.append(request.url))
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def hostile_event(make_department, make_event, make_user, respond):
    department = make_department(areas=[IMAGE])
    event = make_event(department, name=SCRIPT, area=IMAGE)
    for number in range(12):
        respond(event, "before", dict.fromkeys(ITEMS, 2 + number % 3), phone=f"p{number}")
        respond(
            event,
            "after",
            dict.fromkeys(ITEMS, 3 + number % 3) | {"TALKED": number % 2, "COMMENT": SCRIPT},
            phone=f"p{number}",
        )
    user = make_user("staff", department=department)
    return event, user


def sign_in(page, user):
    page.goto("/staff/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def assert_clean(page, origin):
    assert page.evaluate("window.__violations") == []
    assert page.problems == []
    # The PNG download draws through a blob: URL of this page; nothing leaves the server.
    local = (origin + "/", f"blob:{origin}/")
    assert [url for url in page.requests if not url.startswith(local)] == []
    # Only our two script files and the inert figure data: nothing injected.
    scripts = page.evaluate(
        "Array.from(document.scripts).map(s => s.src ? new URL(s.src).pathname : s.type)"
    )
    assert all(
        s == "application/json" or s.startswith(("/staff/assets/", "/static/")) for s in scripts
    )
    assert page.locator("img[src=x]").count() == 0


def test_report_charts_draw_under_the_strict_csp(browser_page, served, hostile_event):
    event, user = hostile_event
    page = browser_page
    sign_in(page, user)
    page.goto(f"/staff/events/{event.id}/report")
    page.wait_for_function(DRAWN)
    # Indices, items, Likert and sentiment; the TALKED groups (6 and 6) are too small to draw.
    assert page.locator("[data-figure].js-plotly-plot").count() == 4
    # plotly.js's own rules came from dashboard.css: the mode bar is laid out, not raw.
    assert page.evaluate("getComputedStyle(document.querySelector('.modebar')).position") == (
        "absolute"
    )
    comments = page.locator("blockquote")
    assert comments.count() == 12
    assert comments.first.inner_text() == SCRIPT
    assert page.locator("h1").inner_text() == f"Report: {SCRIPT}"
    assert_clean(page, served)


def test_trend_hover_labels_show_markup_as_text_and_png_downloads(
    browser_page, served, hostile_event
):
    _event, user = hostile_event
    page = browser_page
    sign_in(page, user)
    page.goto("/staff/trends?by=event")
    page.wait_for_function(DRAWN)
    # Trust and Safety; the only comments are markup, unscored, so no sentiment to draw.
    assert page.locator("[data-figure].js-plotly-plot").count() == 2
    chart = page.locator(".js-plotly-plot").first
    titles = chart.locator(".annotation-text").all_text_contents()
    assert titles == [IMAGE]
    box = chart.locator(".scatterlayer .trace .points path").first.bounding_box()
    # Plotly's drag layer sits above the points: move the mouse there as a person would.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".hoverlayer .hovertext")
    hover = " ".join(page.locator(".hoverlayer .hovertext").all_text_contents())
    assert SCRIPT in hover
    assert "n = 12" in hover

    chart.hover()
    with page.expect_download() as download:
        chart.locator("button.modebar-btn[data-title='Download plot as a PNG']").click()
    saved = download.value.path()
    assert download.value.suggested_filename == "trends-trust-event.png"
    assert Path(saved).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert_clean(page, served)
