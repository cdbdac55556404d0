"""Double taps, retries, the Back button and second attempts store exactly one row."""

from sqlalchemy import func, select

from survey.extensions import db
from survey.responses.models import Answer, Response
from tests.conftest import answers_for, fetch_form


def count() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def test_double_tap_stores_one_row_and_both_taps_see_thanks(client, make_event):
    event = make_event()
    url = f"/s/{event.token}/before"
    data = {**fetch_form(client, url), **answers_for(event, "before")}
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    assert first.status_code == second.status_code == 303
    assert "/thanks" in second.headers["Location"]
    assert count() == 1
    assert db.session.scalar(select(func.count(Answer.id))) == 6


def test_retry_from_another_connection_without_cookies_stores_one_row(app, client, make_event):
    """A phone that lost its connection resends the same form; cookies may not arrive."""
    event = make_event()
    url = f"/s/{event.token}/before"
    data = {**fetch_form(client, url), **answers_for(event, "before")}
    assert client.post(url, data=data).status_code == 303
    # Same session cookie (CSRF) but the pairing cookie was lost on the retry.
    client.delete_cookie("cp_pair")
    assert client.post(url, data=data).status_code == 303
    assert count() == 1


def test_back_button_then_submit_again_shows_already_answered(client, make_event, submit):
    event = make_event()
    submit(event, "before")
    # Back button: the browser fetches the form again; the phone already answered.
    page = client.get(f"/s/{event.token}/before")
    assert page.status_code == 200
    assert "You have already answered" in page.get_data(as_text=True)
    assert count() == 1


def test_second_before_with_a_fresh_form_is_not_stored(client, make_event):
    event = make_event()
    url = f"/s/{event.token}/before"
    first_form = fetch_form(client, url)
    # Two tabs opened before either was submitted: two different one-time ids.
    client.delete_cookie("cp_pair")
    client.set_cookie("cp_pair", "a" * 32)
    second_form = {**first_form, "submission_id": "b" * 32}
    assert client.post(url, data={**first_form, **answers_for(event, "before")}).status_code == 303
    again = client.post(url, data={**second_form, **answers_for(event, "before", value="1")})
    assert again.status_code == 200
    assert "You have already answered" in again.get_data(as_text=True)
    assert count() == 1
    assert db.session.scalar(select(Response.trust_index)) == 75.0  # the first answers stand


def test_second_after_is_not_stored(make_event, submit, client):
    event = make_event()
    assert submit(event, "after").status_code == 303
    assert "You have already answered" in client.get(f"/s/{event.token}/after").get_data(
        as_text=True
    )
    client.set_cookie("cp_pair", client.get_cookie("cp_pair").value)
    form = {
        "csrf_token": fetch_form(client, f"/s/{event.token}/before")["csrf_token"],
        "submission_id": "c" * 32,
    }
    again = client.post(f"/s/{event.token}/after", data={**form, **answers_for(event, "after")})
    assert "You have already answered" in again.get_data(as_text=True)
    assert count() == 1
