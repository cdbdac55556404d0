"""Who may open the report and trends: the event's own department, every role; nobody else."""

import pytest

from tests.dashboard.conftest import ITEMS

URLS = [
    pytest.param("/staff/events/{id}/report", id="report"),
    pytest.param("/staff/events/{id}/report?label=negative&page=2", id="report-comments"),
    pytest.param("/staff/events/{id}/report.csv?chart=indices", id="report-csv"),
    pytest.param("/staff/trends", id="trends"),
    pytest.param("/staff/trends?by=event&area=Northside", id="trends-filtered"),
    pytest.param("/staff/trends.csv?chart=trust", id="trends-csv"),
]
EVENT_URLS = [url for url in URLS if "{id}" in url.values[0]]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_login(client, make_event, url):
    event = make_event()
    response = client.get(url.format(id=event.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize("url", EVENT_URLS)
def test_another_departments_event_is_404(client, login, make_user, make_event, url):
    theirs = make_event(name="Their night")
    login(make_user("admin"))  # an admin of a different, new department
    response = client.get(url.format(id=theirs.id))
    assert response.status_code == 404
    assert "Their night" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "staff", "researcher"])
def test_every_role_of_the_department_may_look(
    client, login, make_user, make_event, respond, role
):
    event = make_event()
    for number in range(10):
        respond(event, "before", dict.fromkeys(ITEMS, 3), phone=f"p{number}")
    login(make_user(role, department=event.department))
    for url in URLS:
        path = url.values[0].format(id=event.id)
        assert client.get(path).status_code == 200, path


def test_a_missing_event_is_404(client, login, make_user):
    login(make_user("staff"))
    assert client.get("/staff/events/999999/report").status_code == 404
