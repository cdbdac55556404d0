"""axe-core's WCAG 2.1 A and AA rules, colour contrast included, on every page people meet.

The event report and trends are audited inside their journeys in test_staff.py, once their
charts are drawn, so those heavy pages load once per run.
"""

import re

import pytest

pytestmark = pytest.mark.browser

RESIDENT_PAGES = [
    pytest.param("/s/{open}/before", 200, id="before"),
    pytest.param("/s/{open}/after", 200, id="after"),
    pytest.param("/s/{open}/before/thanks", 200, id="thank-you-before"),
    pytest.param("/s/{open}/after/thanks", 200, id="thank-you-after"),
    pytest.param("/s/AAAAAAAAAAAAAAAAAAAAAA/before", 404, id="404-unknown-event"),
    pytest.param("/s/{closed}/before", 410, id="410-closed-event"),
]


@pytest.mark.parametrize(("path", "status"), RESIDENT_PAGES)
def test_resident_pages_in_both_languages(site, phone, audit, path, status):
    url = path.format(open=site.events["open"]["token"], closed=site.events["closed"]["token"])
    for language in ("en", "es"):
        response = phone.goto(f"{url}?lang={language}")
        assert response.status == status
        assert phone.locator("html").get_attribute("lang") == language
        audit(phone)


def test_axe_comes_from_the_package_and_fetches_nothing(site, phone, axe):
    phone.goto(site.events["open"]["before_url"])
    phone.wait_for_load_state("load")
    requests = list(phone.context.watch.requests)
    results = axe.run(phone)
    assert phone.context.watch.requests == requests
    assert results.response["testEngine"]["version"] == phone.evaluate("axe.version")
    assert axe.axe_script.startswith("/*! axe v" + phone.evaluate("axe.version"))


def test_the_survey_with_errors_showing(site, phone, audit):
    phone.goto(site.events["open"]["before_url"])
    with phone.expect_navigation():
        phone.get_by_role("button", name="Submit").tap()
    assert phone.get_by_role("alert").is_visible()
    assert phone.locator("[aria-invalid=true], .invalid").count() > 0
    audit(phone)


def test_the_kiosk_thank_you_page(site, phone, axe):
    """The kiosk page refreshes itself to serve the next resident: axe's meta-refresh rule
    (WCAG 2.2.1) is the one rule not applied, since nothing the resident entered is lost and
    a "Start a new survey now" button is there; every other rule still runs."""
    form = site.kiosk_path(site.events["open"]["token"], "before")
    # Hold the refresh's request so the page stays put while axe reads it.
    phone.route(re.compile(re.escape(form) + r"(\?.*)?$"), lambda route: None)
    phone.goto(form + "/thanks")
    assert phone.locator("meta[http-equiv=refresh]").count() == 1
    results = axe.run(
        phone,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "rules": {"meta-refresh": {"enabled": False}},
            "resultTypes": ["violations"],
        },
    )
    assert results.violations_count == 0, results.generate_report()


def test_staff_login(site, new_context, audit):
    page = new_context("desktop").new_page()
    page.goto("/staff/login")
    audit(page)
    page.get_by_role("button", name="Sign in").click()
    audit(page)


def test_event_list(staff, audit):
    staff.goto("/staff/events/")
    audit(staff)


def test_event_page(site, staff, audit):
    staff.goto(f"/staff/events/{site.events['open']['id']}")
    audit(staff)


@pytest.mark.parametrize("path", ["/staff/events/new", "/research/", "/research/exports"])
def test_other_staff_pages(reported, staff, audit, path):
    assert staff.goto(path).status == 200
    audit(staff)
