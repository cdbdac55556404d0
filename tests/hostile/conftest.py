"""Helpers for the hostile-input suite: fill in a real form, then break one thing about it."""

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text

from survey.extensions import db
from survey.responses.models import Answer, Response
from tests.conftest import PASSWORD, answers_for, fetch_form


def qid(event: Any, code: str) -> int:
    """Return the id of the event's question with this item code."""
    return next(q.id for q in event.question_set.questions if q.code == code)


def responses_stored() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def answers_stored() -> int:
    return db.session.scalar(select(func.count(Answer.id)))


def row_counts() -> dict[str, int]:
    """Return the number of rows of every table, to prove a request stored nothing anywhere."""
    names = inspect(db.engine).get_table_names()
    return {
        name: db.session.scalar(text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608 (table names from the schema)
        for name in names
        if name != "alembic_version"
    }


def survey_url(event: Any, phase: str = "before", lang: str | None = None) -> str:
    url = f"/s/{event.token}/{phase}"
    return f"{url}?lang={lang}" if lang else url


def filled_form(client: FlaskClient, event: Any, phase: str = "before", **by_code: str) -> dict:
    """GET the survey like a phone and return a complete, valid submission for it."""
    return {**fetch_form(client, survey_url(event, phase)), **answers_for(event, phase, **by_code)}


def checked(page: str, event: Any, code: str, value: str) -> bool:
    """Tell whether the re-rendered form still has this answer selected."""
    return f'name="q{qid(event, code)}" value="{value}" checked' in page


def comment_of(event: Any) -> Answer | None:
    """Return the stored COMMENT answer of the event's only response, if there is one."""
    return db.session.scalar(select(Answer).where(Answer.question_id == qid(event, "COMMENT")))


def sign_in(client: FlaskClient, user: Any, base_url: str = "http://localhost") -> Any:
    """Sign in through the real form (over HTTPS when asked); return the login response."""
    hidden = fetch_form(client, "/staff/login", base_url=base_url)
    response = client.post(
        "/staff/login",
        base_url=base_url,
        data={"email": user.email, "password": PASSWORD, **hidden},
        headers={"Referer": f"{base_url}/staff/login"},  # as a browser sends it
    )
    assert response.status_code == 302, response.status_code
    return response


@pytest.fixture
def event(make_event: Any) -> Any:
    """An open event with the default question set."""
    return make_event()
