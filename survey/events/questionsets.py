"""Department question sets built from the item bank, versioned so answers keep their meaning.

The rule: a question set that has responses (or is in front of residents) is never edited in
place. A change then makes version N+1 with the same name; events keep the version they have.
Default items are in every set with their codes, so the Trust and Safety indices always work.
"""

import re
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from survey.database import begin_write
from survey.events.instrument import DEFAULT_ITEMS, DEFAULT_SET_NAME, default_question_rows
from survey.events.models import QUESTION_KINDS, QUESTION_PHASES, Department, QuestionSet
from survey.events.models import Question as QuestionModel
from survey.events.queries import code_kinds, question_set_frozen
from survey.events.services import InvalidInput
from survey.extensions import db

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
CHOICE_VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEFAULT_CODES = frozenset(item["code"] for item in DEFAULT_ITEMS)
# New items go before this one: "anything else?" stays the last question on the form.
CLOSING_CODE = "COMMENT"
MAX_ITEMS = 40
MAX_CHOICES = 20


def is_default_set(question_set: QuestionSet) -> bool:
    """Tell whether this is the standard instrument, which departments use but do not edit."""
    return question_set.name == DEFAULT_SET_NAME


def parse_choices(text: str) -> list[dict[str, str]]:
    """Return options from lines of "value | English | Español", or raise InvalidInput.

    The value is what the export and the codebook show, so it is a short lower-case code; the
    two labels are what residents read.
    """
    choices: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3 or not all(parts):
            raise InvalidInput(
                f"Option line {number} needs three parts: value | English | Español."
            )
        value, en, es = parts
        if not CHOICE_VALUE_RE.match(value):
            raise InvalidInput(
                f"Option value {value!r} (line {number}): use lower-case letters, digits, "
                "- or _, e.g. under-25."
            )
        if any(choice["value"] == value for choice in choices):
            raise InvalidInput(f"Option value {value!r} appears twice.")
        if len(en) > 200 or len(es) > 200:
            raise InvalidInput(f"Option labels (line {number}) have at most 200 characters.")
        choices.append({"value": value, "en": en, "es": es})
    if not 2 <= len(choices) <= MAX_CHOICES:
        raise InvalidInput(f"A single-choice item needs between 2 and {MAX_CHOICES} options.")
    return choices


def item_spec(
    *,
    code: str,
    kind: str,
    phase: str,
    required: bool,
    demographic: bool,
    text_en: str,
    text_es: str,
    choices: str = "",
) -> dict[str, Any]:
    """Return a checked item of the bank as Question column values, or raise InvalidInput."""
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(
            "An item code is 2–32 capital letters, digits or _, starting with a letter "
            "(e.g. AGE_GROUP)."
        )
    if kind not in QUESTION_KINDS:
        raise InvalidInput(f"Item kind must be one of: {', '.join(QUESTION_KINDS)}.")
    if phase not in QUESTION_PHASES:
        raise InvalidInput(f"Phase must be one of: {', '.join(QUESTION_PHASES)}.")
    text_en, text_es = " ".join(text_en.split()), " ".join(text_es.split())
    if not text_en or not text_es:
        raise InvalidInput("Every item needs its wording in English and in Spanish.")
    if len(text_en) > 500 or len(text_es) > 500:
        raise InvalidInput("Item wording has at most 500 characters in each language.")
    if kind == "text" and required:
        raise InvalidInput("Free-text items are always optional.")
    if kind == "text" and demographic:
        raise InvalidInput(
            "Free text cannot be a demographic item: the export can only generalize answers "
            "chosen from a list."
        )
    return {
        "code": code,
        "kind": kind,
        "phase": phase,
        "required": required,
        "demographic": demographic,
        "text_en": text_en,
        "text_es": text_es,
        "choices": parse_choices(choices) if kind == "choice" else None,
    }


def _spec_of(question: QuestionModel) -> dict[str, Any]:
    return {
        "code": question.code,
        "kind": question.kind,
        "phase": question.phase,
        "required": question.required,
        "demographic": question.demographic,
        "text_en": question.text_en,
        "text_es": question.text_es,
        "choices": question.choices,
    }


def create_question_set(department: Department, name: str) -> QuestionSet:
    """Start a department's own question set (version 1) holding the default items."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("The question set needs a name.")
    if len(name) > 200:
        raise InvalidInput("A question set name has at most 200 characters.")
    if name.casefold() == DEFAULT_SET_NAME.casefold():
        raise InvalidInput("That is the name of the standard instrument; choose another.")
    taken = db.session.scalar(
        select(QuestionSet.id).where(
            QuestionSet.department_id == department.id,
            func.lower(QuestionSet.name) == name.lower(),
        )
    )
    if taken is not None:
        raise InvalidInput(f"The department already has a question set called {name!r}.")
    question_set = QuestionSet(department=department, name=name, version=1)
    question_set.questions = [QuestionModel(**row) for row in default_question_rows()]
    db.session.add(question_set)
    db.session.commit()
    return question_set


def _check_editable(question_set: QuestionSet) -> None:
    if is_default_set(question_set):
        raise InvalidInput(
            "The standard instrument cannot be changed. Create your own question set: it "
            "starts with the standard items."
        )


def _new_version(question_set: QuestionSet, specs: list[dict[str, Any]]) -> QuestionSet:
    """Add version N+1 of the set (N the newest, not necessarily this one) with these items."""
    newest = db.session.scalar(
        select(func.max(QuestionSet.version)).where(
            QuestionSet.department_id == question_set.department_id,
            QuestionSet.name == question_set.name,
        )
    )
    successor = QuestionSet(
        department_id=question_set.department_id,
        name=question_set.name,
        version=(newest or 0) + 1,
    )
    successor.questions = [
        QuestionModel(position=position, **spec) for position, spec in enumerate(specs, start=1)
    ]
    db.session.add(successor)
    return successor


def _commit(question_set: QuestionSet) -> QuestionSet:
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise InvalidInput(
            "Someone changed this question set at the same moment. Please look again and retry."
        ) from error
    db.session.expire(question_set, ["questions"])
    return question_set


def add_item(question_set: QuestionSet, spec: dict[str, Any]) -> QuestionSet:
    """Add an item; return the set that now holds it: this one, or its new version.

    The item goes before the closing comment question. A frozen set (see
    `question_set_frozen`) is copied to version N+1 first; its events keep version N.
    """
    _check_editable(question_set)
    begin_write(db.session())
    try:
        return _add_item_locked(question_set, spec)
    except InvalidInput:
        db.session.rollback()
        raise


def _add_item_locked(question_set: QuestionSet, spec: dict[str, Any]) -> QuestionSet:
    db.session.refresh(question_set)
    questions = list(question_set.questions)
    if any(question.code == spec["code"] for question in questions):
        raise InvalidInput(f"This question set already has an item {spec['code']}.")
    if spec["code"] in DEFAULT_CODES:
        raise InvalidInput(f"{spec['code']} is a standard item code; choose another.")
    known = code_kinds(question_set.department_id, spec["code"])
    if known and known != {spec["kind"]}:
        raise InvalidInput(
            f"Code {spec['code']} already means a {', '.join(sorted(known))} item in another "
            "question set. Codes keep one meaning so versions can be compared; choose another."
        )
    if len(questions) >= MAX_ITEMS:
        raise InvalidInput(f"A question set has at most {MAX_ITEMS} items.")

    closing = next((q for q in questions if q.code == CLOSING_CODE), None)
    if question_set_frozen(question_set.id):
        specs = [_spec_of(question) for question in questions]
        at = questions.index(closing) if closing is not None else len(specs)
        specs.insert(at, spec)
        return _commit(_new_version(question_set, specs))

    # In place: question ids of the other items stay as they are.
    end = max((question.position for question in questions), default=0) + 1
    position = end
    if closing is not None:
        position, closing.position = closing.position, end
        db.session.flush()
    db.session.add(QuestionModel(question_set_id=question_set.id, position=position, **spec))
    return _commit(question_set)


def remove_item(question_set: QuestionSet, code: str) -> QuestionSet:
    """Remove one of the department's own items; return this set or its new version."""
    _check_editable(question_set)
    if code in DEFAULT_CODES:
        raise InvalidInput(
            f"{code} is a standard item: every question set keeps it so the indices work."
        )
    begin_write(db.session())
    db.session.refresh(question_set)
    questions = list(question_set.questions)
    if not any(question.code == code for question in questions):
        db.session.rollback()
        raise InvalidInput(f"This question set has no item {code}.")
    if question_set_frozen(question_set.id):
        specs = [_spec_of(question) for question in questions if question.code != code]
        return _commit(_new_version(question_set, specs))
    db.session.execute(
        delete(QuestionModel).where(
            QuestionModel.question_set_id == question_set.id, QuestionModel.code == code
        )
    )
    return _commit(question_set)
