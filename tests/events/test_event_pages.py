"""The events list, the event form, opening and closing, and live counts, as staff use them."""

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from survey.database import utcnow
from survey.events.models import Event
from survey.events.services import default_question_set, set_event_status
from survey.extensions import db
from survey.responses.services import CLOSED_GRACE
from tests.events.conftest import new_phone, post_form


def row_of(page: str, name: str) -> str:
    """Return the HTML of the events-list row that names the event."""
    rows = re.findall(r"<tr\b[^>]*>.*?</tr>", page, re.S)
    (row,) = [row for row in rows if f">{name}</a>" in row]
    return row


def counts_in(row: str) -> tuple[str, str]:
    before = re.search(r'data-label="Before"[^>]*>([^<]*)<', row).group(1)
    after = re.search(r'data-label="After"[^>]*>([^<]*)<', row).group(1)
    return before, after


def test_list_counts_match_what_residents_submitted(client, staff, make_event, submit):
    busy = make_event(staff.department, name="Busy walk", area="Southside", kind="community-walk")
    quiet = make_event(staff.department, name="Quiet hall", kind="town-hall")
    for phases in (("before", "after"), ("before",), ("before", "after"), ("after",)):
        new_phone(client)
        for phase in phases:
            assert submit(busy, phase).status_code == 303
    new_phone(client)
    submit(quiet, "after")

    page = client.get("/staff/events/").get_data(as_text=True)
    assert counts_in(row_of(page, "Busy walk")) == ("3", "3")
    assert counts_in(row_of(page, "Quiet hall")) == ("0", "1")
    busy_row = row_of(page, "Busy walk")
    for shown in ("open", "Southside", "Community walk", "2026-08-04 19:00"):
        assert shown in busy_row  # 23:00 UTC is 19:00 in New York


def test_list_counts_take_one_query_however_many_events(app, client, staff, make_event):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for_list() -> int:
        statements.clear()
        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/staff/events/").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        return len([s for s in statements if "responses" in s])

    make_event(staff.department, name="One")
    one = queries_for_list()
    for number in range(6):
        make_event(staff.department, name=f"More {number}")
    assert one == 1
    assert queries_for_list() == 1
    assert "More 5" in client.get("/staff/events/").get_data(as_text=True)


def test_list_counts_update_live_from_a_static_script(client, staff, make_event, submit):
    event = make_event(staff.department, name="Live walk")
    submit(event, "before")
    response = client.get("/staff/events/")
    page = response.get_data(as_text=True)
    row = row_of(page, "Live walk")
    assert f'<tr data-event="{event.id}">' in row
    assert re.search(r'data-count="before">1<', row)
    assert re.search(r'data-count="after">0<', row)
    assert 'data-counts-url="/staff/events/counts"' in page
    assert re.search(r'data-refresh-seconds="\d+"', page)
    assert "data-live-status" in page
    assert "reload" not in page.lower()
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.S)
    assert scripts == [""]  # one script, loaded from a file: nothing inline
    assert re.search(r'<script src="/static/live\.js\?v=\w+" defer>', page)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_list_counts_endpoint_answers_the_departments_counts(client, staff, make_event, submit):
    busy = make_event(staff.department, name="Busy walk")
    quiet = make_event(staff.department, name="Quiet hall")
    elsewhere = make_event(name="Someone else's night out")
    for phases in (("before", "after"), ("before",)):
        new_phone(client)
        for phase in phases:
            submit(busy, phase)
    new_phone(client)
    submit(elsewhere, "before")

    response = client.get("/staff/events/counts")
    assert response.status_code == 200
    assert response.is_json
    assert response.headers["Cache-Control"] == "no-store"
    events = {row["id"]: row for row in response.get_json()["events"]}
    assert events == {
        busy.id: {"id": busy.id, "before": 2, "after": 1},
        quiet.id: {"id": quiet.id, "before": 0, "after": 0},
    }
    assert elsewhere.id not in events  # another department's event is not even mentioned

    new_phone(client)
    submit(quiet, "after")
    events = {row["id"]: row for row in client.get("/staff/events/counts").get_json()["events"]}
    assert events[quiet.id]["after"] == 1


def test_list_counts_endpoint_leaves_out_events_that_can_no_longer_change(
    client, staff, make_event, submit
):
    """A past event's counts are final: polling never counts its responses again."""
    just_closed = make_event(staff.department, name="Closed a minute ago")
    long_closed = make_event(staff.department, name="Closed last week")
    make_event(staff.department, name="Not open yet", status="draft")  # never polled
    for event in (just_closed, long_closed):
        new_phone(client)
        submit(event, "before")
        set_event_status(event, "closed")
    long_closed.closed_at = utcnow() - CLOSED_GRACE - timedelta(minutes=1)
    db.session.commit()

    polled = {row["id"]: row for row in client.get("/staff/events/counts").get_json()["events"]}
    # Forms open on phones may still submit for a while after closing: still polled.
    assert polled == {just_closed.id: {"id": just_closed.id, "before": 1, "after": 0}}
    # The list itself still shows every event's counts as of the page load.
    page = client.get("/staff/events/").get_data(as_text=True)
    assert counts_in(row_of(page, "Closed last week")) == ("1", "0")


def test_list_counts_endpoint_takes_one_query_however_many_events(client, staff, make_event):
    for number in range(5):
        make_event(staff.department, name=f"Event {number}")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert len(client.get("/staff/events/counts").get_json()["events"]) == 5
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert len([s for s in statements if "responses" in s]) == 1


@pytest.mark.parametrize("role", ["admin", "staff", "researcher"])
def test_every_role_polls_the_list_without_keeping_an_idle_session_alive(
    client, login, make_user, role
):
    user = make_user(role)
    login(user)
    stale = int(time.time()) - 20 * 60
    with client.session_transaction() as session:
        session["last_seen"] = stale
    assert client.get("/staff/events/counts").status_code == 200
    with client.session_transaction() as session:
        assert session["last_seen"] == stale  # a forgotten open list still times out


def test_list_counts_of_an_anonymous_visitor_are_refused(app, make_event):
    make_event()
    response = app.test_client().get("/staff/events/counts")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_other_departments_events_are_not_listed(client, staff, make_event):
    make_event(name="Someone else's night out")
    make_event(staff.department, name="Ours")
    page = client.get("/staff/events/").get_data(as_text=True)
    assert "Ours" in page
    assert "Someone else" not in page


def test_create_an_event_as_a_draft_in_local_time(client, staff):
    form = client.get("/staff/events/new").get_data(as_text=True)
    assert 'type="datetime-local"' in form
    assert '<option value="Northside">' in form  # the department's areas are offered
    response = post_form(
        client,
        "/staff/events/new",
        name="  Night Out 2026 ",
        kind="national-night-out",
        area="northside",
        starts_at="2026-08-04T18:00",
        question_set_id=str(default_question_set(staff.department).id),
    )
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.name == "Night Out 2026"))
    assert response.headers["Location"] == f"/staff/events/{event.id}"
    assert event.status == "draft"
    assert event.area == "Northside"  # matched to the listed spelling
    assert event.starts_at.isoformat() == "2026-08-04T22:00:00+00:00"  # 18:00 EDT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Created “Night Out 2026” as a draft" in page
    assert "2026-08-04 18:00" in page


def test_free_text_area_is_kept(client, staff):
    post_form(
        client,
        "/staff/events/new",
        name="Park walk",
        kind="community-walk",
        area="Riverside  Park",
        starts_at="2026-05-02 10:00",
        question_set_id=str(default_question_set(staff.department).id),
    )
    assert (
        db.session.scalar(select(Event.area).where(Event.name == "Park walk")) == "Riverside Park"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"starts_at": "tomorrow evening"}, "YYYY-MM-DD HH:MM"),
        ({"starts_at": "2026-03-08T02:30"}, "does not exist in America/New_York"),
        ({"kind": "rave"}, "Not a valid choice"),
        ({"question_set_id": "999999"}, "Not a valid choice"),
    ],
)
def test_event_form_explains_mistakes_and_keeps_the_input(client, staff, fields, message):
    data = {
        "name": "Town hall",
        "kind": "town-hall",
        "area": "Eastgate",
        "starts_at": "2026-09-01T19:00",
        "question_set_id": str(default_question_set(staff.department).id),
        **fields,
    }
    response = post_form(client, "/staff/events/new", **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Eastgate"' in page
    assert db.session.scalar(select(Event.id)) is None


def test_edit_an_event(client, staff, make_event):
    event = make_event(staff.department, name="Old name", status="draft")
    form = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Old name"' in form
    assert 'value="2026-08-04T19:00"' in form  # shown in New York time
    response = post_form(
        client,
        f"/staff/events/{event.id}/edit",
        name="New name",
        kind="other",
        area="",
        starts_at="2026-08-05T20:15",
        question_set_id=str(event.question_set_id),
    )
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.name, event.kind, event.area) == ("New name", "other", None)
    assert event.starts_at.isoformat() == "2026-08-06T00:15:00+00:00"


def test_open_and_close_change_what_residents_see(client, staff, make_event, app):
    event = make_event(staff.department, status="draft")
    resident = app.test_client()
    survey = f"/s/{event.token}/before"
    assert resident.get(survey).status_code == 404

    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Open for responses" in page
    assert "Close the event" not in page
    assert post_form(client, f"/staff/events/{event.id}", f"/staff/events/{event.id}/open")
    assert resident.get(survey).status_code == 200

    response = post_form(client, f"/staff/events/{event.id}", f"/staff/events/{event.id}/close")
    assert response.status_code == 302
    assert "The event is closed" in client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert resident.get(survey).status_code == 410

    post_form(client, f"/staff/events/{event.id}", f"/staff/events/{event.id}/open")
    assert resident.get(survey).status_code == 200


def test_status_buttons_need_post_and_csrf(client, staff, make_event):
    event = make_event(staff.department, status="open")
    assert client.get(f"/staff/events/{event.id}/close").status_code == 405
    assert client.post(f"/staff/events/{event.id}/close").status_code == 400
    db.session.refresh(event)
    assert event.status == "open"


def test_closing_twice_says_so(client, staff, make_event):
    event = make_event(staff.department, status="closed")
    response = post_form(client, f"/staff/events/{event.id}", f"/staff/events/{event.id}/close")
    assert response.status_code == 302
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "already closed" in page


def test_event_page_shows_counts_and_polls_them_without_inline_script(
    client, staff, make_event, submit
):
    event = make_event(staff.department)
    submit(event, "before")
    submit(event, "after")
    new_phone(client)
    submit(event, "before")
    response = client.get(f"/staff/events/{event.id}")
    page = response.get_data(as_text=True)
    assert re.search(r'data-count="before">2<', page)
    assert re.search(r'data-count="after">1<', page)
    assert re.search(r'data-count="paired">1<', page)
    assert f'data-counts-url="/staff/events/{event.id}/counts"' in page
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.S)
    assert scripts == [""]  # one script, loaded from a file: nothing inline
    assert re.search(r'<script src="/static/live\.js\?v=\w+" defer>', page)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]

    counts = client.get(f"/staff/events/{event.id}/counts")
    assert counts.is_json
    assert counts.get_json() == {"before": 2, "after": 1, "paired": 1, "status": "open"}
    assert counts.headers["Cache-Control"] == "no-store"

    new_phone(client)
    submit(event, "after")
    assert client.get(f"/staff/events/{event.id}/counts").get_json()["after"] == 2


def test_live_script_is_served_from_static(client, staff, make_event):
    event = make_event(staff.department)
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    src = re.search(r'<script src="([^"]+)"', page).group(1)
    with client.get(src) as response:
        assert response.status_code == 200
        assert "javascript" in response.mimetype
        body = response.get_data(as_text=True)
    assert "data-counts-url" in body
    assert "fetch(" in body


def test_event_page_keeps_poster_downloads_and_kiosk_links(client, staff, make_event):
    event = make_event(staff.department)
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert f"/staff/events/{event.id}/poster" in page
    for phase in ("before", "after"):
        assert f"/staff/events/{event.id}/qr/{phase}.png?download=1" in page
        assert f"/staff/events/{event.id}/qr/{phase}.svg?download=1" in page
        assert f"https://pulse.test/s/{event.token}/{phase}/kiosk/" in page
    kiosk = re.search(r'href="https://pulse\.test(/s/[^"]+/before/kiosk/\w+)"', page).group(1)
    assert client.get(kiosk).status_code == 200


def test_other_departments_event_pages_are_not_found(client, staff, make_event):
    other = make_event(name="Elsewhere")
    for url in (
        f"/staff/events/{other.id}",
        f"/staff/events/{other.id}/counts",
        f"/staff/events/{other.id}/edit",
    ):
        assert client.get(url).status_code == 404
    for action in ("open", "close"):
        response = post_form(client, "/staff/events/", f"/staff/events/{other.id}/{action}")
        assert response.status_code == 404
    db.session.refresh(other)
    assert other.status == "open"


def test_counts_of_an_anonymous_visitor_are_refused(app, make_event):
    event = make_event()
    response = app.test_client().get(f"/staff/events/{event.id}/counts")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]
