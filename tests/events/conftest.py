"""Helpers for the staff event pages: a signed-in staff member and form posts with CSRF."""

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import hidden_inputs


def post_form(client: FlaskClient, page: str, action: str | None = None, **data: Any) -> Any:
    """GET `page`, then POST `data` with its CSRF token to `action` (default: the page)."""
    token = hidden_inputs(client.get(page).get_data(as_text=True))["csrf_token"]
    return client.post(action or page, data={"csrf_token": token, **data})


def new_phone(client: FlaskClient, name: str = "cp_pair") -> None:
    """Forget the survey pairing cookie, so the next submission comes from another phone."""
    client.delete_cookie(name)


@pytest.fixture
def staff(make_user: Any, login: Any) -> Any:
    """A staff member of a fresh department (America/New_York), signed in on `client`."""
    user = make_user("staff")
    login(user)
    return user
