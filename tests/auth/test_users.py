"""The admin's users page: create, change role, deactivate, reactivate, within one department."""

import pytest
from sqlalchemy import select

from survey.auth.models import User
from survey.extensions import db
from tests.auth.conftest import post_login, post_with_token

TEMPORARY = "temporary-pass-42"


@pytest.fixture
def admin(client, make_user):
    user = make_user("admin")
    assert post_login(client, user.email).status_code == 302
    return user


def stored(user_id):
    """Return the user as the database has it now (not the test's cached copy)."""
    return db.session.execute(
        select(User.role, User.active, User.session_token).where(User.id == user_id)
    ).one()


def test_users_page_lists_only_the_admins_department(client, admin, make_user):
    colleague = make_user("researcher", department=admin.department)
    stranger = make_user("admin")
    page = client.get("/staff/users").get_data(as_text=True)
    assert admin.email in page
    assert colleague.email in page
    assert stranger.email not in page


def test_admin_creates_a_user_who_can_sign_in_with_the_temporary_password(
    client, admin, new_client
):
    response = post_with_token(
        client,
        "/staff/users",
        "/staff/users",
        email="New.Officer@Example.org",
        role="researcher",
        password=TEMPORARY,
    )
    assert response.status_code == 302
    page = client.get("/staff/users").get_data(as_text=True)
    assert "Created researcher new.officer@example.org" in page
    user = db.session.scalar(select(User).where(User.email == "new.officer@example.org"))
    assert (user.role, user.department_id) == ("researcher", admin.department_id)
    assert post_login(new_client(), "new.officer@example.org", TEMPORARY).status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address", "password": TEMPORARY}, "Enter an e-mail address"),
        ({"email": "a@example.org", "password": "short"}, "at least 10 characters"),
        ({"email": "a@example.org", "password": TEMPORARY, "role": "chief"}, "Not a valid"),
    ],
)
def test_create_user_explains_what_is_wrong(client, admin, fields, message):
    response = post_with_token(
        client, "/staff/users", "/staff/users", **{"role": "staff", **fields}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User.id).where(User.email == "a@example.org")) is None


def test_duplicate_email_is_refused(client, admin, make_user):
    other = make_user("staff")
    response = post_with_token(
        client, "/staff/users", "/staff/users", email=other.email, role="staff", password=TEMPORARY
    )
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_change_role_takes_effect_on_the_next_request(client, admin, make_user, new_client):
    user = make_user("staff", department=admin.department)
    browser = new_client()
    post_login(browser, user.email)
    assert browser.get("/staff/events/new").status_code == 200
    response = post_with_token(
        client, "/staff/users", f"/staff/users/{user.id}/role", role="researcher"
    )
    assert response.status_code == 302
    assert stored(user.id).role == "researcher"
    assert browser.get("/staff/events/new").status_code == 403
    assert browser.get("/staff/events/").status_code == 200


def test_deactivate_rotates_the_session_token_and_reactivate_lets_them_back(
    client, admin, make_user, new_client
):
    user = make_user("staff", department=admin.department)
    token = stored(user.id).session_token
    post_with_token(client, "/staff/users", f"/staff/users/{user.id}/deactivate")
    _role, active, new_token = stored(user.id)
    assert not active
    assert new_token != token
    page = client.get("/staff/users").get_data(as_text=True)
    assert "deactivated and signed out everywhere" in page
    assert post_login(new_client(), user.email).status_code == 401

    post_with_token(client, "/staff/users", f"/staff/users/{user.id}/reactivate")
    assert stored(user.id).active
    assert post_login(new_client(), user.email).status_code == 302


def test_the_only_admin_cannot_demote_or_deactivate_themselves(client, admin):
    demote = post_with_token(client, "/staff/users", f"/staff/users/{admin.id}/role", role="staff")
    assert demote.status_code == 302
    page = client.get("/staff/users").get_data(as_text=True)
    assert "only active admin" in page
    post_with_token(client, "/staff/users", f"/staff/users/{admin.id}/deactivate")
    assert stored(admin.id)[:2] == ("admin", True)
    assert client.get("/staff/users").status_code == 200


def test_an_admin_may_step_down_when_another_admin_remains(client, admin, make_user):
    make_user("admin", department=admin.department)
    post_with_token(client, "/staff/users", f"/staff/users/{admin.id}/role", role="staff")
    assert stored(admin.id).role == "staff"
    assert client.get("/staff/users").status_code == 403


def test_a_deactivated_admin_does_not_count_as_the_remaining_admin(client, admin, make_user):
    other = make_user("admin", department=admin.department)
    post_with_token(client, "/staff/users", f"/staff/users/{other.id}/deactivate")
    post_with_token(client, "/staff/users", f"/staff/users/{admin.id}/role", role="staff")
    assert stored(admin.id).role == "admin"


def test_admin_cannot_touch_another_departments_users(client, admin, make_user):
    stranger = make_user("staff")
    for action, data in (("role", {"role": "admin"}), ("deactivate", {}), ("reactivate", {})):
        response = post_with_token(
            client, "/staff/users", f"/staff/users/{stranger.id}/{action}", **data
        )
        assert response.status_code == 404
    assert stored(stranger.id)[:2] == ("staff", True)


@pytest.mark.parametrize("role", ["staff", "researcher"])
def test_only_admins_manage_users(client, make_user, role):
    user = make_user(role)
    victim = make_user("staff", department=user.department)
    post_login(client, user.email)
    assert client.get("/staff/users").status_code == 403
    assert "Users</a>" not in client.get("/staff/events/").get_data(as_text=True)
    response = post_with_token(client, "/staff/events/", f"/staff/users/{victim.id}/deactivate")
    assert response.status_code == 403
    assert stored(victim.id).active


def test_users_page_requires_sign_in(client):
    response = client.get("/staff/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")


def test_changing_ones_password(client, make_user, new_client):
    user = make_user("staff")
    post_login(client, user.email)
    other_browser = new_client()
    post_login(other_browser, user.email)

    wrong = post_with_token(
        client,
        "/staff/password",
        "/staff/password",
        current="not my password",
        new="a brand new passphrase",
        confirm="a brand new passphrase",
    )
    assert wrong.status_code == 422
    assert "current password is not correct" in wrong.get_data(as_text=True)

    mismatch = post_with_token(
        client,
        "/staff/password",
        "/staff/password",
        current="correct horse battery staple",
        new="a brand new passphrase",
        confirm="a different passphrase",
    )
    assert mismatch.status_code == 422
    assert "The two new passwords differ" in mismatch.get_data(as_text=True)

    done = post_with_token(
        client,
        "/staff/password",
        "/staff/password",
        current="correct horse battery staple",
        new="a brand new passphrase",
        confirm="a brand new passphrase",
    )
    assert done.status_code == 302
    assert client.get("/staff/events/").status_code == 200  # this browser stays signed in
    assert other_browser.get("/staff/events/").status_code == 302  # the other one does not
    assert post_login(new_client(), user.email).status_code == 401
    assert post_login(new_client(), user.email, "a brand new passphrase").status_code == 302
