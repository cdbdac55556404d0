"""Which role reaches which staff page: one permission table, checked through real requests."""

import pytest

from survey.events.questionsets import create_question_set
from tests.auth.conftest import post_login, post_with_token

ALL = {"admin", "staff", "researcher"}
MANAGERS = {"admin", "staff"}
ADMINS = {"admin"}

# (URL template, roles that get the page); every other signed-in role gets a 403.
PAGES = [
    ("/staff/events/", ALL),
    ("/staff/events/{event}", ALL),
    ("/staff/events/{event}/counts", ALL),
    ("/staff/events/counts", ALL),
    ("/staff/events/question-sets/", ALL),
    ("/staff/events/question-sets/{question_set}", ALL),
    ("/staff/password", ALL),
    ("/staff/events/new", MANAGERS),
    ("/staff/events/{event}/edit", MANAGERS),
    ("/staff/events/{event}/poster", MANAGERS),
    ("/staff/events/{event}/qr/before.png", MANAGERS),
    ("/staff/events/{event}/qr/after.svg", MANAGERS),
    ("/staff/users", ADMINS),
]

# State-changing buttons: (URL template, form fields, roles allowed to press them).
ACTIONS = [
    ("/staff/events/{event}/close", {}, MANAGERS),
    ("/staff/events/{event}/open", {}, MANAGERS),
    ("/staff/events/new", {"name": "Walk", "kind": "other"}, MANAGERS),
    ("/staff/events/{event}/edit", {"name": "Renamed"}, MANAGERS),
    ("/staff/events/question-sets/", {"name": "Ours"}, MANAGERS),
    ("/staff/events/question-sets/{question_set}/items", {"code": "AGE"}, MANAGERS),
    ("/staff/events/question-sets/{question_set}/items/remove", {"code": "AGE"}, MANAGERS),
    ("/staff/users", {"email": "x@example.org"}, ADMINS),
    ("/staff/users/{user}/role", {"role": "staff"}, ADMINS),
    ("/staff/users/{user}/deactivate", {}, ADMINS),
    ("/staff/users/{user}/reactivate", {}, ADMINS),
]


@pytest.fixture
def world(make_user, make_event):
    """A department with an event, its own question set and a colleague to manage."""
    admin = make_user("admin")
    department = admin.department
    return {
        "department": department,
        "event": make_event(department).id,
        "question_set": create_question_set(department, "Ours v").id,
        "user": make_user("staff", department=department).id,
    }


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize(("template", "allowed"), PAGES, ids=[page for page, _ in PAGES])
def test_pages_by_role(client, make_user, world, role, template, allowed):
    user = make_user(role, department=world["department"])
    post_login(client, user.email)
    response = client.get(template.format(**world))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("role", ["staff", "researcher"])
@pytest.mark.parametrize(
    ("template", "data", "allowed"), ACTIONS, ids=[action for action, *_ in ACTIONS]
)
def test_actions_by_role(client, make_user, world, role, template, data, allowed):
    user = make_user(role, department=world["department"])
    post_login(client, user.email)
    response = post_with_token(client, "/staff/password", template.format(**world), **data)
    if role in allowed:
        assert response.status_code != 403
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("template", "allowed"), PAGES, ids=[page for page, _ in PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, template, allowed):
    response = client.get(template.format(**world))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")


def test_researchers_see_no_management_controls(client, make_user, world):
    researcher = make_user("researcher", department=world["department"])
    post_login(client, researcher.email)
    listing = client.get("/staff/events/").get_data(as_text=True)
    assert "New event" not in listing
    page = client.get(f"/staff/events/{world['event']}").get_data(as_text=True)
    assert "Responses so far" in page
    for control in ("Close the event", "Edit details", "Kiosk", "/kiosk/", "poster", ".png"):
        assert control not in page
    sets = client.get(f"/staff/events/question-sets/{world['question_set']}")
    assert "Add an item" not in sets.get_data(as_text=True)


def test_staff_see_the_controls_they_may_use(client, make_user, world):
    staff = make_user("staff", department=world["department"])
    post_login(client, staff.email)
    page = client.get(f"/staff/events/{world['event']}").get_data(as_text=True)
    for control in ("Close the event", "Edit details", "/kiosk/", "poster"):
        assert control in page
    assert "Users</a>" not in page
