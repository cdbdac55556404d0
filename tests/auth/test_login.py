"""Signing in and out through the real form: messages, redirects, session lifetime."""

import time
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from survey.auth.models import User
from survey.extensions import db
from tests.auth.conftest import post_login, post_with_token
from tests.conftest import PASSWORD, fetch_form

GENERIC = "That e-mail and password do not match an active account."


def test_sign_in_lands_on_the_events_page(client, make_user):
    user = make_user("staff")
    response = post_login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/events/"
    page = client.get("/staff/events/").get_data(as_text=True)
    assert user.email in page
    signed_in = db.session.scalar(select(User.last_login_at).where(User.id == user.id))
    assert signed_in is not None


def test_email_is_matched_without_regard_to_case(client, make_user):
    make_user("staff", email="officer.jones@example.org")
    assert post_login(client, "  Officer.Jones@Example.ORG ").status_code == 302


@pytest.mark.parametrize("case", ["unknown email", "wrong password"])
def test_one_generic_message_for_unknown_email_and_wrong_password(client, make_user, case):
    user = make_user("staff")
    email, password = (
        ("nobody@example.org", PASSWORD) if case == "unknown email" else (user.email, "wrong!")
    )
    response = post_login(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert GENERIC in page
    assert "nobody" not in page.replace('value="nobody@example.org"', "")
    assert client.get("/staff/events/").status_code == 302


def test_form_without_csrf_token_is_refused(client, make_user):
    user = make_user("staff")
    response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/staff/events/").status_code == 302


def test_session_is_renewed_at_sign_in(client, make_user):
    user = make_user("staff")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    post_login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_token}"


UNSAFE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "https://evil.example",
    "https://evil.example/staff/events/",
    "/\n/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "\\\\evil.example",
    "http:/evil.example",
]


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user("staff")
    response = post_login(client, user.email, next_url=quote(target, safe=""))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/staff/events/"
    assert urlsplit(location).netloc == ""


@pytest.mark.parametrize("target", ["/staff/events/", "/staff/events/?status=open"])
def test_next_on_the_site_is_kept(client, make_user, target):
    user = make_user("staff")
    response = post_login(client, user.email, next_url=quote(target, safe=""))
    assert response.headers["Location"] == target


def test_login_required_page_sends_back_after_sign_in(client, make_user, make_event):
    user = make_user("staff")
    event = make_event(user.department)
    first = client.get(f"/staff/events/{event.id}")
    assert first.status_code == 302
    login_url = first.headers["Location"]
    assert login_url.startswith("/staff/login?next=")
    # The sign-in form posts back to its own URL, so `next` travels with it.
    token = fetch_form(client, login_url)["csrf_token"]
    response = client.post(
        login_url, data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == f"/staff/events/{event.id}"


def test_logout_ends_the_session_and_the_old_cookie_stops_working(client, make_user):
    user = make_user("staff")
    post_login(client, user.email)
    old_cookie = client.get_cookie("session").value
    response = post_with_token(client, "/staff/events/", "/staff/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"
    assert client.get("/staff/events/").status_code == 302
    # A copy of the cookie taken before sign-out (a shared computer, a stolen cookie) is dead.
    client.set_cookie("session", old_cookie)
    replay = client.get("/staff/events/")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/staff/login")


def test_logout_needs_a_post_with_csrf(client, login, make_user):
    user = make_user("staff")
    login(user)
    assert client.get("/staff/logout").status_code == 405
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/events/").status_code == 200


def test_logout_signs_out_other_browsers_too(client, new_client, make_user):
    user = make_user("staff")
    laptop, phone = client, new_client()
    post_login(laptop, user.email)
    post_login(phone, user.email)
    post_with_token(laptop, "/staff/events/", "/staff/logout")
    assert phone.get("/staff/events/").status_code == 302


def test_deactivated_user_cannot_sign_in_and_their_open_session_ends(
    client, new_client, make_user
):
    admin = make_user("admin")
    user = make_user("staff", department=admin.department)
    browser = new_client()
    post_login(browser, user.email)
    assert browser.get("/staff/events/").status_code == 200

    post_login(client, admin.email)
    response = post_with_token(client, "/staff/users", f"/staff/users/{user.id}/deactivate")
    assert response.status_code == 302

    assert browser.get("/staff/events/").status_code == 302
    again = post_login(new_client(), user.email)
    assert again.status_code == 401
    assert GENERIC in again.get_data(as_text=True)


def test_idle_session_is_signed_out_after_thirty_minutes(client, login, make_user):
    user = make_user("staff")
    login(user)
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 29 * 60
    assert client.get("/staff/events/").status_code == 200  # 29 minutes: still signed in
    with client.session_transaction() as session:
        assert session["last_seen"] >= int(time.time()) - 5  # activity renewed it
        session["last_seen"] = int(time.time()) - 31 * 60
    response = client.get("/staff/events/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after a period of inactivity" in page


def test_polling_the_live_counts_does_not_keep_an_idle_session_alive(
    client, login, make_user, make_event
):
    user = make_user("staff")
    event = make_event(user.department)
    login(user)
    stale = int(time.time()) - 20 * 60
    with client.session_transaction() as session:
        session["last_seen"] = stale
    assert client.get(f"/staff/events/{event.id}/counts").status_code == 200
    with client.session_transaction() as session:
        assert session["last_seen"] == stale


def test_sessions_end_after_the_absolute_lifetime_even_when_busy(client, login, make_user):
    user = make_user("staff")
    login(user)
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 13 * 3600
    assert client.get("/staff/events/").status_code == 302


def test_signed_in_visitor_to_login_page_is_sent_on(client, login, make_user):
    user = make_user("staff")
    login(user)
    assert client.get("/staff/login").headers["Location"] == "/staff/events/"
    assert client.get("/staff/login?next=//evil.example").headers["Location"] == "/staff/events/"


def test_passwords_are_stored_as_argon2id(make_user):
    user = make_user("staff")
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
