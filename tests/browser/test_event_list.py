"""The staff events list keeps its before/after counts live, as the event page does."""

import pytest

from tests.browser.conftest import ENABLE_HINT, answer_before

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason=ENABLE_HINT).expect


def test_the_list_count_rises_when_a_resident_answers(site, staff, new_context):
    event = site.new_event("Westgate Night Out")
    staff.goto("/staff/events/")
    row = staff.locator(f"tr[data-event='{event['id']}']")
    before = row.locator("[data-count=before]")
    assert row.get_by_role("link").inner_text() == "Westgate Night Out"
    assert before.inner_text() == "0"
    status = staff.locator("[data-live-status]")
    expect(status).to_contain_text("Updated automatically")  # the first poll came back
    staff.evaluate("window.stillTheSamePage = true")

    answer_before(new_context("phone").new_page(), event)

    expect(before).to_have_text("1", timeout=25_000)  # the list polls every 10 seconds
    assert staff.evaluate("window.stillTheSamePage") is True  # updated in place, no reload
    assert row.locator("[data-count=after]").inner_text() == "0"
    polls = [url for url in staff.context.watch.requests if url.endswith("/staff/events/counts")]
    assert len(polls) >= 2


def test_without_javascript_the_list_shows_the_counts_of_its_load(site, new_context, staff_state):
    event = site.new_event("Southgate Night Out")
    answer_before(new_context("phone").new_page(), event)

    page = new_context("desktop", storage_state=staff_state, java_script_enabled=False).new_page()
    page.goto("/staff/events/")
    row = page.locator(f"tr[data-event='{event['id']}']")
    assert row.locator("[data-count=before]").inner_text() == "1"
    assert row.locator("[data-count=after]").inner_text() == "0"
    assert page.locator("[data-live-status]").inner_text() == "Counts as of page load."
    page.wait_for_timeout(500)
    assert not [url for url in page.context.watch.requests if url.endswith("/counts")]
