"""Tenancy and sign-in over every staff and research URL, found from the app's URL map.

A new route under /staff or /research is covered automatically: its URL arguments must be
listed in OBJECT_ARGS (an object of another department) or FIXED_ARGS, or the test fails.
"""

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from survey.events.models import QuestionSet
from survey.extensions import db
from tests.conftest import answers_for, fetch_form

PROTECTED_PREFIXES = ("/staff", "/research")
PUBLIC_ENDPOINTS = {"auth.login", "dashboard.plotly_js"}
FIXED_ARGS = {"phase": "before", "fmt": "png", "filename": "x.js"}


def protected_rules(app: Flask) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, rule) for every protected route."""
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PROTECTED_PREFIXES) or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, method, rule.rule))
    return rules


@pytest.fixture
def two_departments(make_department, make_event, make_user, client, app):
    """Department A's admin, and department B with an event, responses, users and exports."""
    home, other = make_department(slug="home"), make_department(slug="other")
    admin = make_user("admin", home)
    other_event = make_event(other, name="Other department's event")
    other_user = make_user("staff", other)
    for _ in range(3):
        phone = app.test_client()
        hidden = fetch_form(phone, f"/s/{other_event.token}/before")
        phone.post(
            f"/s/{other_event.token}/before", data={**hidden, **answers_for(other_event, "before")}
        )
    question_set = db.session.scalar(
        select(QuestionSet).where(QuestionSet.department_id == other.id)
    )
    objects: dict[str, Any] = {
        "event_id": other_event.id,
        "user_id": other_user.id,
        "question_set_id": question_set.id,
    }
    return admin, other_event, objects


def fill(rule: str, arguments: set[str], objects: dict[str, Any]) -> str:
    url = rule
    for argument in arguments:
        if argument in objects:
            value = objects[argument]
        elif argument in FIXED_ARGS:
            value = FIXED_ARGS[argument]
        else:
            pytest.fail(f"tests/test_access.py does not know how to fill <{argument}> in {rule}")
        url = url.replace(f"<int:{argument}>", str(value)).replace(f"<{argument}>", str(value))
    return url


def test_every_protected_url_sends_anonymous_visitors_to_login(app, two_departments):
    _, _, objects = two_departments
    anonymous = app.test_client()
    token = fetch_form(anonymous, "/staff/login")["csrf_token"]
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PROTECTED_PREFIXES) or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = fill(rule.rule, set(rule.arguments), objects)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = anonymous.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/staff/login"), (method, url)
            checked += 1
    # Every route was tried: the login page, the plotly asset and nothing else is public.
    assert checked == len(protected_rules(app)) >= 30


def test_every_object_of_another_department_is_not_found(app, client, login, two_departments):
    admin, other_event, objects = two_departments
    login(admin)
    token = fetch_form(client, "/staff/events/")["csrf_token"]
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PROTECTED_PREFIXES) or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        object_args = set(rule.arguments) - set(FIXED_ARGS)
        if not object_args:
            continue
        url = fill(rule.rule, set(rule.arguments), objects)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    # Users, events (detail, counts, edit, open, close, poster, QR), question sets, reports.
    assert checked >= 16
    db.session.refresh(other_event)
    assert other_event.status == "open"  # no POST changed anything


def test_lists_show_only_the_users_own_department(app, client, login, two_departments):
    admin, other_event, _ = two_departments
    login(admin)
    for rule in app.url_map.iter_rules():
        if (
            not rule.rule.startswith(PROTECTED_PREFIXES)
            or rule.endpoint in PUBLIC_ENDPOINTS
            or rule.arguments
            or "GET" not in (rule.methods or set())
        ):
            continue
        response = client.get(rule.rule)
        assert response.status_code in (200, 302), (rule.rule, response.status_code)
        assert other_event.name not in response.get_data(as_text=True), rule.rule
        assert other_event.token not in response.get_data(as_text=True), rule.rule


def test_protected_rules_are_found(app):
    endpoints = {endpoint for endpoint, _, _ in protected_rules(app)}
    assert {"events.index", "events.detail", "events.poster", "events.qr"} <= endpoints
