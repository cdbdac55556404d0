"""Helpers for sign-in tests: posting the real login form from any test client."""

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, fetch_form, hidden_inputs


def post_login(
    client: FlaskClient, email: str, password: str = PASSWORD, next_url: str | None = None
) -> Any:
    """GET the sign-in page and post it back the way a browser does; return the response."""
    url = "/staff/login" if next_url is None else f"/staff/login?next={next_url}"
    hidden = fetch_form(client, "/staff/login")
    return client.post(url, data={"email": email, "password": password, **hidden})


def post_with_token(client: FlaskClient, page: str, action: str, **data: str) -> Any:
    """POST to `action` with the CSRF token taken from `page`, as a button on it would."""
    token = hidden_inputs(client.get(page).get_data(as_text=True))["csrf_token"]
    return client.post(action, data={"csrf_token": token, **data})


@pytest.fixture
def new_client(app: Any) -> Callable[[], FlaskClient]:
    """Return a factory of fresh browsers (own cookie jars) on the same app."""
    return app.test_client
