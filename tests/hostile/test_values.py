"""What is said: out-of-range answers, duplicated fields, odd text, and what ends up stored."""

import html
import re

import pytest
from sqlalchemy import func, inspect, select
from werkzeug.datastructures import MultiDict

from survey.extensions import db
from survey.responses.models import Answer, Response
from tests.conftest import answers_for, fetch_form
from tests.hostile.conftest import (
    answers_stored,
    checked,
    comment_of,
    filled_form,
    qid,
    responses_stored,
    survey_url,
)


def post(client, event, data, phase="before"):
    return client.post(survey_url(event, phase), data=data)


@pytest.mark.parametrize(
    "bad",
    ["0", "6", "3.5", "NaN", "nan", "1e309", "inf", "-1", "4.0", "04", "+4", "4 ", "\u0664"],
)
def test_values_outside_the_five_points_are_refused(client, event, bad):
    data = filled_form(client, event, SAFE="2")
    data[f"q{qid(event, 'TRUST')}"] = bad
    response = post(client, event, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please choose one of the answers offered." in page
    assert checked(page, event, "SAFE", "2")  # the valid answers are kept on the page
    assert responses_stored() == 0


@pytest.mark.parametrize("bad", ["", "1", "true", "YES", "si", "maybe"])
def test_yes_no_takes_only_yes_or_no(client, event, bad):
    data = filled_form(client, event, "after")
    data[f"q{qid(event, 'TALKED')}"] = bad
    response = post(client, event, data, "after")
    assert response.status_code == 422
    assert "Please choose one of the answers offered." in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_the_same_answer_twice_is_refused(client, event):
    trust = f"q{qid(event, 'TRUST')}"
    data = MultiDict(filled_form(client, event))
    data.add(trust, "5")
    response = client.post(survey_url(event), data=data)
    assert response.status_code == 422
    assert "Please choose only one answer." in response.get_data(as_text=True)
    assert responses_stored() == 0


@pytest.mark.parametrize("name", ["q{id}[]", "q{id}[0]", "q[{id}]", "q{id}.0", "q0{id}", "q{id} "])
def test_array_style_and_disguised_names_are_refused(client, event, name):
    data = filled_form(client, event)
    data[name.format(id=qid(event, "TRUST"))] = "5"
    response = post(client, event, data)
    assert response.status_code == 422
    assert "not part of this survey" in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_two_submission_ids_are_one_too_many(client, event):
    data = MultiDict(filled_form(client, event))
    data.add("submission_id", "f" * 32)
    response = client.post(survey_url(event), data=data)
    assert response.status_code == 422
    assert "This form was out of date" in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_fields_the_survey_does_not_know_are_ignored_not_stored(client, event):
    """Extra non-question fields (a browser extension's, say) change nothing that is stored."""
    data = filled_form(client, event)
    data.update({"pair_key": "f" * 64, "channel": "kiosk", "language": "xx", "event_id": "9"})
    data["Q" + str(qid(event, "TRUST"))] = "1"
    assert post(client, event, data).status_code == 303
    row = db.session.scalar(select(Response))
    assert (row.channel, row.language, row.event_id) == ("qr", "en", event.id)
    assert row.pair_key != "f" * 64
    assert row.trust_index == 75.0  # every item answered 4; the "Q" field changed nothing


@pytest.mark.parametrize("which", ["other department", "same set, other phase", "made up"])
def test_a_question_the_form_did_not_show_is_refused(client, make_event, make_department, which):
    event = make_event()
    if which == "other department":
        foreign = qid(make_event(make_department(), name="Elsewhere"), "TRUST")
    elif which == "same set, other phase":
        foreign = qid(event, "COMMENT")  # an after item posted to the before form
    else:
        foreign = 987_654_321_012
    data = filled_form(client, event)
    data[f"q{foreign}"] = "5"
    response = post(client, event, data)
    assert response.status_code == 422
    assert "not part of this survey" in response.get_data(as_text=True)
    assert responses_stored() == 0


@pytest.mark.parametrize(
    "blank",
    [
        "\u200b",
        "\u200b\u200c\u200d\u2060\ufeff",
        " \u200b \n\t\u00a0",
        "\u200e\u200f\u202e",  # direction marks only
        "\u3164\u3164",  # Hangul fillers render as nothing
        "\u00ad",
    ],
)
def test_invisible_only_comment_is_stored_as_no_comment(client, event, blank):
    data = filled_form(client, event, "after", COMMENT=blank)
    assert post(client, event, data, "after").status_code == 303
    row = db.session.scalar(select(Response))
    assert comment_of(event) is None
    assert row.sentiment is None


@pytest.mark.parametrize(
    "text",
    [
        "Great night 👍🏽👨‍👩‍👧‍👦 🇲🇽 🏳️‍🌈",
        "שלום, האירוע היה מצוין",  # Hebrew, right to left
        "كان الحدث رائعاً شكراً للشرطة",  # Arabic
        "Mixed עברית and English ‏with a mark",
        "e\u0301 decomposed, é composed",  # no Unicode normalization
        "Zalgo t̷̢̛e̸x̵t̶",
        "tab\there\nnew line",
        "𝕱𝖗𝖆𝖐𝖙𝖚𝖗 and 中文 and 日本語",
    ],
)
def test_emoji_and_right_to_left_text_are_stored_exactly(client, event, text):
    data = filled_form(client, event, "after", COMMENT=text)
    assert post(client, event, data, "after").status_code == 303
    assert comment_of(event).value_text == text


@pytest.mark.parametrize(
    "text",
    [
        "{{7*7}}",
        "{% raw %}{{ config }}{% endraw %}",
        "${7*7} #{7*7} <%= 7*7 %>",
        "'; DROP TABLE responses;--",
        "Robert'); DROP TABLE answers; --",
        "1 OR 1=1",
        '" OR ""="',
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x","click")',
        "%s %d %(name)s {0}",
        "\\x00 \\u0000 %00",
    ],
)
def test_template_and_sql_look_alikes_are_stored_literally(client, event, text):
    data = filled_form(client, event, "after", COMMENT=text)
    assert post(client, event, data, "after").status_code == 303
    assert comment_of(event).value_text == text
    assert {"responses", "answers"} <= set(inspect(db.engine).get_table_names())
    assert answers_stored() == 9


def textarea_content(page: str, name: str) -> str:
    """Return the raw HTML between a textarea's tags, as the browser receives it."""
    match = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return match.group(1)


def test_look_alikes_are_escaped_when_shown_again(client, event):
    """A refused form shows the text back: escaped, never evaluated or executed."""
    typed = "{{7*7}} ${7*7} <script>alert(1)</script>"
    fresh = client.get(survey_url(event, "after")).get_data(as_text=True)
    data = filled_form(client, event, "after", COMMENT=typed)
    data[f"q{qid(event, 'TRUST')}"] = "9"
    response = post(client, event, data, "after")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    shown = textarea_content(page, f"q{qid(event, 'COMMENT')}")
    assert shown == "{{7*7}} ${7*7} &lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.unescape(shown) == typed  # the browser shows exactly what was typed
    assert "alert(1)" not in page.replace(shown, "")  # shown nowhere else, raw or evaluated
    assert page.count("<script") == fresh.count("<script")  # no element was injected
    assert responses_stored() == 0


@pytest.mark.parametrize("where", ["comment", "choice", "field name", "submission id"])
def test_nul_bytes_are_refused_with_a_message(client, event, where):
    """PostgreSQL cannot store NUL; SQLite could. Both refuse it the same way."""
    data = filled_form(client, event, "after")
    if where == "comment":
        data[f"q{qid(event, 'COMMENT')}"] = "hello\x00world"
        message = "This answer contains a character that cannot be saved."
    elif where == "choice":
        data[f"q{qid(event, 'TRUST')}"] = "4\x00"
        message = "This answer contains a character that cannot be saved."
    elif where == "field name":
        data[f"q{qid(event, 'TRUST')}\x00"] = "4"
        message = "not part of this survey"
    else:
        data["submission_id"] = "a" * 31 + "\x00"
        message = "This form was out of date"
    response = post(client, event, data, "after")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_nul_byte_in_the_query_string_is_a_400(client, event):
    response = client.get(survey_url(event) + "?lang=%00es")
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.get_data(as_text=True)
    data = filled_form(client, event)
    response = client.post(survey_url(event) + "?x=%00", data=data)
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.get_data(as_text=True)
    assert responses_stored() == 0
    assert client.post(survey_url(event), data=data).status_code == 303  # the form was fine
    assert responses_stored() == 1


def test_a_nul_free_retry_after_a_nul_is_stored_once(client, event):
    data = filled_form(client, event, "after", COMMENT="hello\x00world")
    assert post(client, event, data, "after").status_code == 422
    data[f"q{qid(event, 'COMMENT')}"] = "hello world"
    assert post(client, event, data, "after").status_code == 303
    assert responses_stored() == 1
    assert comment_of(event).value_text == "hello world"


def test_every_stored_row_is_whole(client, event):
    """An accepted form stores all its answers; there is no half-written response."""
    data = {**fetch_form(client, survey_url(event, "after")), **answers_for(event, "after")}
    assert post(client, event, data, "after").status_code == 303
    counts = db.session.execute(
        select(Response.id, func.count(Answer.id)).join(Response.answers).group_by(Response.id)
    ).all()
    assert [count for _, count in counts] == [8]  # 9 items, the blank comment is not a row
