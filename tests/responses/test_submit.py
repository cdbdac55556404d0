"""A resident answers the before and after survey; what is stored and what they see."""

import re

from sqlalchemy import func, select

from survey.extensions import db
from survey.responses.models import Answer, Response
from tests.conftest import answers_for, fetch_form


def stored_responses() -> list[Response]:
    return list(db.session.scalars(select(Response).order_by(Response.id)))


def test_before_and_after_from_one_phone_share_a_pair_key(make_event, submit):
    event = make_event()
    before = submit(event, "before")
    after = submit(event, "after")
    assert before.status_code == 303
    assert after.status_code == 303
    rows = stored_responses()
    assert [r.phase for r in rows] == ["before", "after"]
    assert rows[0].pair_key is not None
    assert rows[0].pair_key == rows[1].pair_key
    assert all(r.channel == "qr" for r in rows)


def test_two_phones_get_different_pair_keys(app, make_event, submit):
    event = make_event()
    submit(event, "before")
    other_phone = app.test_client()
    hidden = fetch_form(other_phone, f"/s/{event.token}/before")
    other_phone.post(f"/s/{event.token}/before", data={**hidden, **answers_for(event, "before")})
    first, second = stored_responses()
    assert first.pair_key != second.pair_key


def test_the_same_phone_at_two_events_is_not_linkable(make_event, make_department, submit):
    department = make_department()
    one, two = make_event(department), make_event(department, name="Town hall")
    submit(one, "before")
    submit(two, "before")
    first, second = stored_responses()
    assert first.pair_key != second.pair_key


def test_pair_key_is_an_hmac_not_the_cookie(client, make_event, submit):
    event = make_event()
    submit(event, "before")
    cookie = client.get_cookie("cp_pair")
    assert cookie is not None
    assert re.fullmatch(r"[0-9a-f]{32}", cookie.value)
    (row,) = stored_responses()
    assert cookie.value not in row.pair_key
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_answers_indices_and_language_are_stored(make_event, submit):
    event = make_event()
    response = submit(
        event,
        "after",
        SAFE="5",
        TRUST="1",
        RESPECT="",
        TALKED="no",
        COMMENT="Great event, very friendly officers!",
    )
    assert response.status_code == 303
    (row,) = stored_responses()
    assert row.safety_index == 100.0
    # TRUST=1, RESPECT declined, LISTEN/FAIR/CONTACT=4: mean of (1, 4, 4, 4) = 3.25 -> 56.25
    assert row.trust_index == 56.25
    assert row.language == "en"
    assert row.sentiment is not None
    assert row.sentiment > 0.1
    answers = {a.question_id: a for a in db.session.scalars(select(Answer))}
    by_code = {q.code: q.id for q in event.question_set.questions}
    assert answers[by_code["RESPECT"]].value_num is None  # "Prefer not to say"
    assert answers[by_code["TALKED"]].value_num == 0.0
    assert answers[by_code["COMMENT"]].value_text == "Great event, very friendly officers!"
    assert answers[by_code["COMMENT"]].sentiment > 0.1


def test_spanish_comment_is_stored_unscored_not_zero(make_event, client):
    event = make_event()
    url = f"/s/{event.token}/after?lang=es"
    hidden = fetch_form(client, url)
    data = {**hidden, **answers_for(event, "after")}
    comment_id = next(q.id for q in event.question_set.questions if q.code == "COMMENT")
    data[f"q{comment_id}"] = "Muy buen evento, los oficiales fueron muy amables con nosotros."
    assert client.post(url, data=data).status_code == 303
    (row,) = stored_responses()
    assert row.language == "es"
    assert row.sentiment is None
    answer = db.session.scalar(select(Answer).where(Answer.question_id == comment_id))
    assert answer.value_text.startswith("Muy buen evento")
    assert answer.sentiment is None


def test_thank_you_after_before_asks_to_scan_the_after_code(client, make_event, submit):
    event = make_event()
    response = submit(event, "before")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you!" in page
    assert "scan the AFTER code" in page
    after_page = client.get(submit(event, "after").headers["Location"]).get_data(as_text=True)
    assert "scan the AFTER code" not in after_page


def test_phase_specific_questions(client, make_event):
    event = make_event()
    before = client.get(f"/s/{event.token}/before").get_data(as_text=True)
    after = client.get(f"/s/{event.token}/after").get_data(as_text=True)
    assert "number one issue" in before
    assert "number one issue" not in after
    assert "talk with a police officer" in after
    assert "talk with a police officer" not in before


def test_each_item_is_a_fieldset_with_legend_and_labelled_radios(client, make_event):
    page = client.get(f"/s/{make_event().token}/before").get_data(as_text=True)
    assert page.count("<fieldset") == 6
    assert page.count("<legend") == 6
    assert page.count('type="radio"') == 36  # 6 items x (5 points + prefer not to say)
    assert page.count('<label class="opt"><input type="radio"') == 36
    assert '<label for="q' in page  # the comment box has its own label


def test_stored_count_matches_acknowledged(make_event, submit):
    event = make_event()
    codes = [submit(event, "before").status_code, submit(event, "after").status_code]
    assert codes == [303, 303]
    assert db.session.scalar(select(func.count(Response.id))) == 2
