"""Invalid submissions re-render with every valid answer kept, store nothing, never a 500."""

import time

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.responses.models import Response
from tests.conftest import answers_for, fetch_form, hidden_inputs


def count() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def qid(event, code: str) -> int:
    return next(q.id for q in event.question_set.questions if q.code == code)


def post(client, event, phase: str, changes: dict[str, str | None], lang: str = "en"):
    url = f"/s/{event.token}/{phase}?lang={lang}"
    data = {**fetch_form(client, url), **answers_for(event, phase)}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return client.post(url, data=data)


def checked(page: str, event, code: str, value: str) -> bool:
    return f'name="q{qid(event, code)}" value="{value}" checked' in page


def test_missing_required_answer_keeps_the_others(client, make_event):
    event = make_event()
    response = post(
        client, event, "before", {f"q{qid(event, 'TRUST')}": None, f"q{qid(event, 'SAFE')}": "2"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please choose an answer." in page
    assert f'aria-describedby="q{qid(event, "TRUST")}-error"' in page
    assert checked(page, event, "SAFE", "2")
    assert checked(page, event, "RESPECT", "4")
    assert count() == 0


@pytest.mark.parametrize("bad", ["0", "6", "3.5", "NaN", "1e309", "-1", " 4", "four", "\uff14"])
def test_out_of_range_values_are_refused(client, make_event, bad):
    event = make_event()
    response = post(client, event, "before", {f"q{qid(event, 'TRUST')}": bad})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please choose one of the answers offered." in page
    assert checked(page, event, "SAFE", "4")
    assert count() == 0


def test_question_of_another_question_set_is_refused(client, make_event, make_department):
    event = make_event()
    stranger = make_event(make_department(), name="Elsewhere")
    foreign = qid(stranger, "TRUST")
    response = post(client, event, "before", {f"q{foreign}": "5"})
    assert response.status_code == 422
    assert "not part of this survey" in response.get_data(as_text=True)
    assert count() == 0


def test_comment_of_1001_characters_is_refused_and_kept_in_the_box(client, make_event):
    event = make_event()
    long_text = "x" * 1001
    response = post(client, event, "after", {f"q{qid(event, 'COMMENT')}": long_text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please shorten your answer to 1,000 characters (it has 1,001)." in page
    assert f">{long_text}</textarea>" in page
    assert count() == 0


def test_comment_of_exactly_1000_characters_is_accepted(client, make_event):
    event = make_event()
    response = post(client, event, "after", {f"q{qid(event, 'COMMENT')}": "y" * 1000})
    assert response.status_code == 303
    assert count() == 1


def test_windows_newlines_count_once(client, make_event):
    event = make_event()
    text = ("a" * 9 + "\r\n") * 100  # 1,000 characters as the textarea shows them
    assert post(client, event, "after", {f"q{qid(event, 'COMMENT')}": text}).status_code == 303


def test_nul_byte_is_refused_with_a_message(client, make_event):
    event = make_event()
    response = post(client, event, "after", {f"q{qid(event, 'COMMENT')}": "hello\x00world"})
    assert response.status_code == 422
    assert "cannot be saved" in response.get_data(as_text=True)
    assert count() == 0


def test_errors_are_in_the_residents_language(client, make_event):
    event = make_event()
    response = post(client, event, "before", {f"q{qid(event, 'TRUST')}": None}, lang="es")
    page = response.get_data(as_text=True)
    assert "Por favor, elija una respuesta." in page
    assert "Por favor, revise sus respuestas" in page


def test_expired_csrf_token_keeps_answers_and_the_retry_stores_once(app, client, make_event):
    """A genuinely expired token: the page was opened longer ago than WTF_CSRF_TIME_LIMIT."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 2  # seconds, instead of an hour
    event = make_event()
    url = f"/s/{event.token}/before?lang=es"
    answers = answers_for(event, "before", SAFE="1", TRUST="2")
    data = {**fetch_form(client, url), **answers}
    time.sleep(3.1)  # tokens carry whole seconds: this is at least 3 s, over the 2 s limit
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Esta página estuvo abierta mucho tiempo. Sus respuestas siguen aquí" in page
    for name, value in answers.items():
        assert f'name="{name}" value="{value}" checked' in page, name
    assert count() == 0
    # The re-rendered form carries a fresh token and the same one-time id: submit again,
    # still under the 2-second limit, so only a token issued just now can pass.
    retry = {**data, **hidden_inputs(page)}
    assert retry["submission_id"] == data["submission_id"]
    assert retry["csrf_token"] != data["csrf_token"]
    assert client.post(url, data=retry).status_code == 303
    assert client.post(url, data=retry).status_code == 303  # a second press: still one row
    assert count() == 1


def test_forged_csrf_token_keeps_answers_and_the_retry_stores_once(client, make_event):
    event = make_event()
    url = f"/s/{event.token}/before"
    data = {**fetch_form(client, url), **answers_for(event, "before", SAFE="1")}
    data["csrf_token"] = "expired-or-forged"
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your answers are still here" in page
    assert checked(page, event, "SAFE", "1")
    assert count() == 0
    retry = {**data, **hidden_inputs(page)}
    assert retry["submission_id"] == data["submission_id"]
    assert client.post(url, data=retry).status_code == 303
    assert count() == 1


def test_missing_submission_id_asks_to_submit_again(client, make_event):
    event = make_event()
    response = post(client, event, "before", {"submission_id": "not-an-id"})
    assert response.status_code == 422
    assert "out of date" in response.get_data(as_text=True)
    assert count() == 0
