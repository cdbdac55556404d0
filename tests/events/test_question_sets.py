"""Department question sets: built from the item bank, versioned once residents answer."""

import re

from sqlalchemy import select

from survey.events.instrument import DEFAULT_SET_NAME
from survey.events.models import Event, Question, QuestionSet
from survey.events.services import default_question_set
from survey.extensions import db
from tests.events.conftest import post_form

STANDARD = ["SAFE", "TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT", "CONCERN", "TALKED", "EVENT"]

AGE_ITEM = {
    "code": "age_group",
    "kind": "choice",
    "phase": "before",
    "demographic": "y",
    "text_en": "How old are you?",
    "text_es": "¿Cuántos años tiene?",
    "choices": "under-25 | Under 25 | Menos de 25\n25-64 | 25 to 64 | De 25 a 64\n"
    "65-plus | 65 or older | 65 o más",
}
SEEN_ITEM = {
    "code": "SEEN_OFFICER",
    "kind": "scale10",
    "phase": "after",
    "required": "y",
    "text_en": "How visible are officers in your area? (0 = never, 10 = always)",
    "text_es": "¿Qué tan visibles son los agentes en su zona? (0 = nunca, 10 = siempre)",
}


def create_set(client, name="Springfield plus"):
    response = post_form(client, "/staff/events/question-sets/", name=name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(QuestionSet).where(QuestionSet.name == name))


def add(client, question_set_id, **item):
    page = f"/staff/events/question-sets/{question_set_id}"
    return post_form(client, page, f"{page}/items", **item)


def codes_of(question_set_id):
    return list(
        db.session.scalars(
            select(Question.code)
            .where(Question.question_set_id == question_set_id)
            .order_by(Question.position)
        )
    )


def event_form_choice(client, label):
    page = client.get("/staff/events/new").get_data(as_text=True)
    return re.search(rf'<option value="(\d+)"[^>]*>{re.escape(label)}</option>', page).group(1)


def test_a_new_set_starts_with_the_standard_items(client, staff):
    question_set = create_set(client)
    assert question_set.version == 1
    assert codes_of(question_set.id) == [*STANDARD, "COMMENT"]
    listing = client.get("/staff/events/question-sets/").get_data(as_text=True)
    assert "Springfield plus v1" in listing
    assert f"{DEFAULT_SET_NAME} v1" in listing


def test_items_added_before_any_answer_change_the_set_in_place(client, staff):
    question_set = create_set(client)
    response = add(client, question_set.id, **AGE_ITEM)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/events/question-sets/{question_set.id}"
    assert codes_of(question_set.id) == [*STANDARD, "AGE_GROUP", "COMMENT"]
    item = db.session.scalar(select(Question).where(Question.code == "AGE_GROUP"))
    assert item.demographic
    assert not item.required
    assert item.choices[0] == {"value": "under-25", "en": "Under 25", "es": "Menos de 25"}
    page = client.get(f"/staff/events/question-sets/{question_set.id}").get_data(as_text=True)
    assert "How old are you?" in page
    assert "¿Cuántos años tiene?" in page
    assert "demographic" in page


def test_residents_answer_the_new_item_in_both_languages(client, staff, make_event, app):
    question_set = create_set(client)
    add(client, question_set.id, **AGE_ITEM)
    event = make_event(staff.department, question_set=db.session.get(QuestionSet, question_set.id))
    resident = app.test_client()
    english = resident.get(f"/s/{event.token}/before").get_data(as_text=True)
    assert "How old are you?" in english
    assert "65 or older" in english
    spanish = resident.get(f"/s/{event.token}/before?lang=es").get_data(as_text=True)
    assert "¿Cuántos años tiene?" in spanish
    assert "65 o más" in spanish
    after = resident.get(f"/s/{event.token}/after").get_data(as_text=True)
    assert "How old are you?" not in after  # asked before only


def test_editing_a_set_with_responses_makes_version_two_and_old_events_keep_version_one(
    client, staff, make_event, submit, app
):
    first = create_set(client)
    old_event = make_event(
        staff.department, name="Spring walk", question_set=db.session.get(QuestionSet, first.id)
    )
    assert submit(old_event, "after").status_code == 303

    page = client.get(f"/staff/events/question-sets/{first.id}").get_data(as_text=True)
    assert "creates version 2" in page
    response = add(client, first.id, **SEEN_ITEM)
    assert response.status_code == 302
    second = db.session.scalar(
        select(QuestionSet).where(QuestionSet.name == first.name, QuestionSet.version == 2)
    )
    assert response.headers["Location"] == f"/staff/events/question-sets/{second.id}"
    assert "in a new version, Springfield plus v2" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)

    # Version 1 is untouched and its event still asks version 1's questions.
    assert codes_of(first.id) == [*STANDARD, "COMMENT"]
    assert codes_of(second.id) == [*STANDARD, "SEEN_OFFICER", "COMMENT"]
    assert db.session.scalar(select(Event.question_set_id).where(Event.id == old_event.id)) == (
        first.id
    )
    resident = app.test_client()
    old_form = resident.get(f"/s/{old_event.token}/after").get_data(as_text=True)
    assert "How visible are officers" not in old_form

    # New events can use version 2, which residents then see.
    version_two = event_form_choice(client, "Springfield plus v2")
    post_form(
        client,
        "/staff/events/new",
        name="Autumn walk",
        kind="community-walk",
        starts_at="2026-10-03T10:00",
        question_set_id=version_two,
    )
    new_event = db.session.scalar(select(Event).where(Event.name == "Autumn walk"))
    assert new_event.question_set_id == second.id
    post_form(client, f"/staff/events/{new_event.id}", f"/staff/events/{new_event.id}/open")
    new_form = resident.get(f"/s/{new_event.token}/after").get_data(as_text=True)
    assert "How visible are officers" in new_form

    # Editing the old version again makes version 3, never a clash with 2.
    add(client, first.id, **{**AGE_ITEM, "code": "AGE_BAND"})
    versions = db.session.scalars(
        select(QuestionSet.version).where(QuestionSet.name == first.name)
    ).all()
    assert sorted(versions) == [1, 2, 3]


def test_a_set_used_by_an_open_event_is_versioned_even_before_answers(client, staff, make_event):
    question_set = create_set(client)
    make_event(staff.department, status="open", question_set=question_set)
    add(client, question_set.id, **AGE_ITEM)
    assert codes_of(question_set.id) == [*STANDARD, "COMMENT"]
    assert db.session.scalar(
        select(QuestionSet.id).where(
            QuestionSet.name == question_set.name, QuestionSet.version == 2
        )
    )


def test_removing_an_item(client, staff, make_event, submit):
    question_set = create_set(client)
    add(client, question_set.id, **AGE_ITEM)
    page = f"/staff/events/question-sets/{question_set.id}"
    response = post_form(client, page, f"{page}/items/remove", code="AGE_GROUP")
    assert response.status_code == 302
    assert codes_of(question_set.id) == [*STANDARD, "COMMENT"]

    standard = post_form(client, page, f"{page}/items/remove", code="TRUST")
    assert standard.status_code == 302
    assert "every question set keeps it" in client.get(page).get_data(as_text=True)
    assert "TRUST" in codes_of(question_set.id)


def test_the_standard_instrument_cannot_be_edited(client, staff):
    default = default_question_set(staff.department)
    page = client.get(f"/staff/events/question-sets/{default.id}").get_data(as_text=True)
    assert "cannot be changed" in page
    assert "Add an item" not in page
    response = add(client, default.id, **SEEN_ITEM)
    assert response.status_code == 422
    assert "standard instrument cannot be changed" in response.get_data(as_text=True)
    assert codes_of(default.id) == [*STANDARD, "COMMENT"]


def test_item_mistakes_are_explained(client, staff):
    question_set = create_set(client)
    cases = [
        ({**SEEN_ITEM, "code": "9LIVES"}, "An item code is 2–32 capital letters"),
        ({**SEEN_ITEM, "code": "TRUST"}, "already has an item TRUST"),
        ({**SEEN_ITEM, "text_es": ""}, "This field is required"),
        ({**AGE_ITEM, "choices": "only | One | Una"}, "between 2 and 20 options"),
        ({**AGE_ITEM, "choices": "a | A\nb | B | Be"}, "needs three parts"),
        ({**AGE_ITEM, "choices": "A B | A | A\nb | B | Be"}, "use lower-case letters"),
        ({**SEEN_ITEM, "kind": "text"}, "Free-text items are always optional"),
        ({**AGE_ITEM, "kind": "text", "choices": ""}, "Free text cannot be a demographic item"),
    ]
    for item, message in cases:
        response = add(client, question_set.id, **item)
        assert response.status_code == 422, item
        assert message in response.get_data(as_text=True), message
    assert codes_of(question_set.id) == [*STANDARD, "COMMENT"]


def test_a_code_keeps_its_meaning_across_sets(client, staff):
    first = create_set(client, "First")
    second = create_set(client, "Second")
    add(client, first.id, **SEEN_ITEM)
    clash = add(client, second.id, **{**SEEN_ITEM, "kind": "yesno"})
    assert clash.status_code == 422
    assert "already means a scale10 item" in clash.get_data(as_text=True)
    same = add(client, second.id, **SEEN_ITEM)
    assert same.status_code == 302


def test_set_names_are_unique_and_not_the_standard_name(client, staff):
    create_set(client, "Ours")
    for name, message in (("ours", "already has a question set"), (DEFAULT_SET_NAME, "standard")):
        response = post_form(client, "/staff/events/question-sets/", name=name)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_an_answered_events_question_set_cannot_be_switched(client, staff, make_event, submit):
    event = make_event(staff.department)
    submit(event, "before")
    other = create_set(client)
    form = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert "its questions stay as they are" in form
    response = post_form(
        client,
        f"/staff/events/{event.id}/edit",
        name=event.name,
        kind=event.kind,
        starts_at="2026-08-04T19:00",
        question_set_id=str(other.id),
    )
    assert response.status_code == 422
    assert "can no longer change" in response.get_data(as_text=True)
    assert db.session.scalar(select(Event.question_set_id).where(Event.id == event.id)) == (
        event.question_set_id
    )


def test_other_departments_question_sets_are_not_found(client, staff, make_department):
    stranger = default_question_set(make_department())
    page = f"/staff/events/question-sets/{stranger.id}"
    assert client.get(page).status_code == 404
    response = post_form(client, "/staff/events/question-sets/", f"{page}/items", **SEEN_ITEM)
    assert response.status_code == 404
    removal = post_form(client, "/staff/events/question-sets/", f"{page}/items/remove", code="X")
    assert removal.status_code == 404
    form = client.get("/staff/events/new").get_data(as_text=True)
    assert form.count("<option value=") > 0
    assert f'<option value="{stranger.id}"' not in form
