"""Tenancy through the event forms: another department's question set id is not a choice.

tests/test_access.py proves another department's objects are 404 by URL; here the foreign id
travels in a form field instead, which no URL check sees.
"""

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from survey.events.models import Event
from survey.events.questionsets import create_question_set
from survey.events.services import default_question_set
from survey.extensions import db
from tests.events.conftest import post_form

EVENT_FIELDS = {
    "name": "Town hall",
    "kind": "town-hall",
    "area": "Eastgate",
    "starts_at": "2026-09-01T19:00",
}


@pytest.fixture(params=["default", "own"])
def foreign_set(request: pytest.FixtureRequest, make_department: Any) -> Any:
    """A question set of another department: its default one, or one it made itself."""
    other = make_department(slug="other-department")
    if request.param == "default":
        return default_question_set(other)
    return create_question_set(other, "Their own questions")


def offered_sets(page: str) -> set[int]:
    """Return the question set ids the form's select offers."""
    select_html = re.search(r'<select[^>]*name="question_set_id".*?</select>', page, re.S)
    assert select_html is not None
    return {int(value) for value in re.findall(r'<option[^>]*value="(\d+)"', select_html[0])}


def events_using(question_set: Any, department: Any) -> int:
    return db.session.scalar(
        select(func.count(Event.id)).where(
            Event.question_set_id == question_set.id, Event.department_id == department.id
        )
    )


def test_the_new_event_form_refuses_another_departments_question_set(client, staff, foreign_set):
    offered = offered_sets(client.get("/staff/events/new").get_data(as_text=True))
    assert offered == {default_question_set(staff.department).id}
    response = post_form(
        client, "/staff/events/new", **EVENT_FIELDS, question_set_id=str(foreign_set.id)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid choice" in page
    assert 'value="Town hall"' in page  # the rest of the input is kept
    assert db.session.scalar(select(func.count(Event.id))) == 0
    # The same form with the department's own set is accepted.
    own = default_question_set(staff.department)
    response = post_form(client, "/staff/events/new", **EVENT_FIELDS, question_set_id=str(own.id))
    assert response.status_code == 302
    assert events_using(own, staff.department) == 1
    assert events_using(foreign_set, staff.department) == 0


def test_the_edit_form_refuses_another_departments_question_set(
    client, staff, make_event, foreign_set
):
    event = make_event(staff.department, name="Ours", status="draft")
    own_set_id = event.question_set_id
    offered = offered_sets(client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True))
    assert offered == {own_set_id}
    response = post_form(
        client,
        f"/staff/events/{event.id}/edit",
        **EVENT_FIELDS,
        question_set_id=str(foreign_set.id),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid choice" in page
    db.session.refresh(event)
    assert (event.name, event.question_set_id) == ("Ours", own_set_id)  # nothing saved
    assert events_using(foreign_set, staff.department) == 0
