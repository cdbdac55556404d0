"""Repeated failed sign-ins are throttled with a friendly 429; successes never count."""

import re

import pytest

from tests.auth.conftest import post_login, post_with_token
from tests.conftest import PASSWORD


@pytest.fixture
def config():
    # The real limit (LOGIN_LIMIT, 10 per 5 minutes) with rate limiting switched on.
    return {"RATELIMIT_ENABLED": True}


def test_eleventh_failure_in_five_minutes_is_refused_with_a_friendly_page(client, make_user):
    user = make_user("staff")
    for _ in range(10):
        assert post_login(client, user.email, "wrong password").status_code == 401
    response = post_login(client, user.email, "wrong password")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Sign-in paused" in page
    minutes = int(re.search(r"paused for about (\d+) minutes?", page).group(1))
    assert 1 <= minutes <= 5  # the rest of the 5-minute window
    assert "staff.css" in page  # the staff page layout, not a bare error
    assert int(response.headers["Retry-After"]) > 0
    # While paused even the right password waits: guessing cannot continue.
    assert post_login(client, user.email, PASSWORD).status_code == 429
    # The sign-in page itself still loads, so nobody is stuck on an error.
    assert client.get("/staff/login").status_code == 200


def test_successful_sign_ins_do_not_count(client, make_user):
    user = make_user("staff")
    for _ in range(12):
        assert post_login(client, user.email).status_code == 302
        post_with_token(client, "/staff/events/", "/staff/logout")
    for _ in range(9):
        assert post_login(client, user.email, "wrong password").status_code == 401
    assert post_login(client, user.email).status_code == 302
