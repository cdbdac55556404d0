"""Staff journeys on a 1280×800 laptop: sign in, create an event, print, watch, read, export."""

import csv
import io
import re
import zipfile

import pytest
import zxingcpp
from PIL import Image

from tests.browser.conftest import ADMIN, ENABLE_HINT, RESEARCHER, answer_before, sign_in

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason=ENABLE_HINT).expect


def test_sign_in_create_an_event_open_it_and_print_its_poster(
    site, reported, new_context, screenshot
):
    page = new_context("desktop").new_page()
    sign_in(page, ADMIN)
    expect(page.get_by_role("heading", name="Events", level=1)).to_be_visible()
    screenshot(page, "event-list")

    page.get_by_role("link", name="New event").click()
    page.get_by_label("Name").fill("Riverside Community Walk")
    page.get_by_label("Kind").select_option(label="Community walk")
    page.get_by_label("Area").fill("Riverside")
    page.get_by_label("Starts").fill("2026-09-12T17:30")
    page.get_by_role("button", name="Create draft event").click()

    page.wait_for_url(re.compile(r"/staff/events/\d+$"))
    expect(page.get_by_role("heading", name="Riverside Community Walk")).to_be_visible()
    expect(page.get_by_text("2026-09-12 17:30")).to_be_visible()
    before_url = page.locator("a[href*='/s/'][href$='/before']").inner_text()
    token = before_url.split("/")[-2]
    kiosk = page.locator("a[href*='/kiosk/'][href*='/before/']").inner_text()
    assert kiosk == site.url(site.kiosk_path(token, "before"))
    phone = new_context("phone").new_page()
    assert phone.goto(before_url).status == 404  # a draft: residents cannot answer yet

    page.get_by_role("button", name="Open for responses").click()
    expect(page.get_by_text("The event is open")).to_be_visible()
    assert phone.goto(before_url).status == 200

    page.get_by_role("link", name=re.compile("Printable poster")).click()
    page.wait_for_url(re.compile(r"/poster$"))
    expect(page.get_by_role("heading", name="Riverside Community Walk")).to_be_visible()
    codes = page.locator(".qr svg")
    assert codes.count() == 2
    # Scan the poster as it shows on screen: each code must read back as its survey link.
    scanned = [
        zxingcpp.read_barcodes(Image.open(io.BytesIO(codes.nth(i).screenshot())))[0].text
        for i in range(2)
    ]
    assert scanned == [before_url, before_url.replace("/before", "/after")]


def test_the_live_count_rises_when_a_resident_answers(site, staff, new_context):
    event = site.new_event("Eastgate Night Out")
    staff.goto(f"/staff/events/{event['id']}")
    before = staff.locator("[data-count=before]")
    assert before.inner_text() == "0"
    staff.evaluate("window.stillTheSamePage = true")

    answer_before(new_context("phone").new_page(), event)

    expect(before).to_have_text("1", timeout=15_000)  # the page polls every few seconds
    assert staff.evaluate("window.stillTheSamePage") is True  # updated in place, no reload
    assert staff.locator("[data-count=after]").inner_text() == "0"
    assert "Updated automatically" in staff.locator("[data-live-status]").inner_text()


def assert_every_chart_drawn_with_its_numbers(page):
    """Every chart holder has Plotly's SVG, and every chart section its numbers table."""
    plots = page.locator("[data-figure]")
    expect(plots.first).to_be_attached()
    expect(page.locator("[data-figure] .main-svg")).not_to_have_count(0)
    for index in range(plots.count()):
        expect(plots.nth(index).locator(".main-svg").first).to_be_visible()
    sections = page.locator("section.chart")
    assert sections.count() == plots.count()
    for section in sections.all():
        table = section.locator("table.numbers")
        expect(table).to_have_count(1)
        assert table.locator("caption").inner_text().strip()
        # A chart is a picture: its text alternative is this table of the same numbers.
        assert table.locator("tbody th[scope=row]").count() >= 1
        assert "Nothing to show" not in table.inner_text()
    return plots.count()


def test_the_event_report_draws_every_chart_accessibly(reported, staff, audit, screenshot):
    event = reported[0]
    staff.goto(f"/staff/events/{event['id']}")
    staff.get_by_role("link", name="Event report").click()
    staff.wait_for_url(f"**/staff/events/{event['id']}/report")
    assert staff.get_by_role("heading", level=1).inner_text() == f"Report: {event['name']}"
    assert staff.locator("[data-count=before]").inner_text() == "30"
    assert assert_every_chart_drawn_with_its_numbers(staff) >= 4
    expect(staff.get_by_text("Attendees are not a random sample")).to_be_visible()
    screenshot(staff, "event-report", height=1500)
    staff.context.watch.assert_clean()
    audit(staff)


def test_the_trends_page_draws_every_chart_accessibly(reported, staff, audit, screenshot):
    staff.goto("/staff/events/")
    staff.get_by_role("link", name="Trends").click()
    staff.wait_for_url("**/staff/trends")
    assert assert_every_chart_drawn_with_its_numbers(staff) == 3
    staff.get_by_label("Downtown").check()
    staff.get_by_label("per event").check()
    staff.get_by_role("button", name="Show").click()
    staff.wait_for_url(re.compile(r"area=Downtown"))
    assert_every_chart_drawn_with_its_numbers(staff)
    reports = staff.locator(".event-reports a")
    assert reports.all_inner_texts() == ["Downtown Community Walk"]
    assert reports.first.get_attribute("href").endswith("/report")
    staff.goto("/staff/trends")
    staff.locator("[data-figure] .main-svg").first.wait_for()
    screenshot(staff, "trends", height=1500)
    staff.context.watch.assert_clean()
    audit(staff)


def test_a_researcher_downloads_the_export_and_the_admin_sees_it_logged(
    reported, new_context, staff
):
    page = new_context("desktop").new_page()
    sign_in(page, RESEARCHER)
    page.get_by_role("link", name="Research").click()
    expect(page.get_by_role("heading", name="Research export", level=1)).to_be_visible()
    page.get_by_label("Community walk").check()
    page.get_by_role("button", name="Preview").click()
    preview_rows = page.locator("[data-preview=rows]")
    expect(preview_rows).not_to_have_text("0")
    rows = int(preview_rows.inner_text().replace(",", ""))

    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"^Download zip")).click()
    assert re.fullmatch(
        r"community-pulse-springfield-[\d-]+\.zip", download.value.suggested_filename
    )
    with zipfile.ZipFile(download.value.path()) as bundle:
        names = set(bundle.namelist())
        data = bundle.read("responses.csv")
    assert {"responses.csv", "codebook.csv"} <= names
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so Excel reads the accents
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(table) == rows
    assert {"response_id", "pair_id", "phase"} <= set(table[0])
    assert {row["phase"] for row in table} == {"before", "after"}

    staff.goto("/research/exports")
    latest = staff.locator("tbody tr").first
    expect(latest).to_contain_text(RESEARCHER)
    expect(latest).to_contain_text("community-walk")
    assert f"{rows:,}" in latest.inner_text()
