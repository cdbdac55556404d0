"""Validation of a resident's submitted form, built from the event's question set.

The survey is generated from a versioned question set, so instead of a static WTForms class
this module checks each field against its question and keeps every valid answer, so that a
re-rendered form loses nothing the resident already chose or typed.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qsl

from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from survey.events.models import Question

MAX_TEXT_LENGTH = 1000
SUBMISSION_ID_RE = re.compile(r"^[0-9a-f]{32}$")
FIELD_RE = re.compile(r"^q([1-9]\d{0,11})$")
# Characters that render as nothing besides whitespace and format characters (Unicode
# category Cf: zero-width spaces and joiners, bidi marks, BOM, soft hyphen): Hangul fillers
# and the blank Braille pattern. A comment made only of these is treated as empty.
INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}

AGREE5_VALUES = {"1": 1.0, "2": 2.0, "3": 3.0, "4": 4.0, "5": 5.0}
SCALE10_VALUES = {str(i): float(i) for i in range(11)}
YESNO_VALUES = {"yes": 1.0, "no": 0.0}

Value = float | str | None

FORM_MIMETYPE = "application/x-www-form-urlencoded"


def form_body_problem(mimetype: str, body: bytes, max_fields: int) -> int | None:
    """Return the HTTP status that refuses a survey POST body, or None when it can be read.

    The survey form is always sent URL-encoded by browsers. Anything else (JSON, multipart)
    is 415; more fields than MAX_FORM_PARTS is 413; bytes that are not UTF-8 (raw or
    percent-encoded) are 400, because Werkzeug would otherwise drop the whole form or keep
    "%FF" as literal text, and the resident's words must be stored exactly or not at all.
    """
    if mimetype != FORM_MIMETYPE:
        return 415
    try:
        parse_qsl(
            body.decode(), keep_blank_values=True, errors="strict", max_num_fields=max_fields
        )
    except UnicodeDecodeError:
        return 400
    except ValueError:
        return 413
    return None


@dataclass
class ParsedSurvey:
    """The outcome of checking one submission.

    `answers` holds the stored value of every valid answered question (None is "Prefer not
    to say" or a blank optional box); `raw` keeps what the resident sent for every question so
    the form can be shown again exactly; `errors` maps a question id to its message.
    """

    answers: dict[int, Value] = field(default_factory=dict)
    raw: dict[int, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    form_errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when nothing needs the resident's attention."""
        return not self.errors and not self.form_errors


@cache
def _fixed_labels(locale: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Return the options of the built-in answer kinds in one language, translated once.

    A form asks for about 40 labels and each Flask-Babel gettext call costs tens of
    microseconds; the catalogue never changes while a worker runs, so one lookup per
    language per worker is enough. `locale` is the current one: it is the cache key.
    """
    agree = (
        _("Strongly disagree"),
        _("Disagree"),
        _("Neither agree nor disagree"),
        _("Agree"),
        _("Strongly agree"),
    )
    return {
        "agree5": tuple((str(i), label) for i, label in enumerate(agree, start=1)),
        "scale10": tuple((str(i), str(i)) for i in range(11)),
        "yesno": (("yes", _("Yes")), ("no", _("No"))),
        "decline": (("", _("Prefer not to say")),),
    }


def answer_options(question: Question) -> list[tuple[str, str]]:
    """Return (value, label) pairs for a closed question, labels in the current language."""
    locale = str(get_locale())
    labels = _fixed_labels(locale)
    if question.kind == "yesno":
        return list(labels["yesno"])
    if question.kind in ("agree5", "scale10"):
        return [*labels[question.kind], *labels["decline"]]
    language = "es" if locale == "es" else "en"
    options = [
        (str(choice["value"]), str(choice.get(language) or choice["value"]))
        for choice in question.choices or []
    ]
    return [*options, *labels["decline"]]


def field_name(question: Question) -> str:
    """Return the form field name of a question; ids (not codes) tie a field to one version."""
    return f"q{question.id}"


def clean_text(value: str) -> str:
    """Return the comment as stored: newlines normalized, outer space trimmed.

    Text made only of invisible characters counts as empty; everything else (emoji,
    right-to-left text) is kept exactly as typed.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if all(ch in INVISIBLE or ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text):
        return ""
    return text


def _choice_value(question: Question, value: str) -> Value:
    """Return the stored number for a closed answer, or raise KeyError when not offered."""
    if value == "":
        # "Prefer not to say" is offered on graded items; yes/no has only its two answers.
        if question.kind == "yesno":
            raise KeyError(value)
        return None
    if question.kind == "agree5":
        return AGREE5_VALUES[value]
    if question.kind == "scale10":
        return SCALE10_VALUES[value]
    if question.kind == "yesno":
        return YESNO_VALUES[value]
    allowed = {str(choice["value"]) for choice in question.choices or []}
    if value not in allowed:
        raise KeyError(value)
    return value


def parse_survey(form: MultiDict[str, str], questions: Sequence[Question]) -> ParsedSurvey:
    """Check a submitted form against the questions shown; return answers, raw values, errors."""
    parsed = ParsedSurvey()
    by_id = {question.id: question for question in questions}
    for name in form:
        match = FIELD_RE.match(name)
        if name.startswith("q") and (match is None or int(match.group(1)) not in by_id):
            parsed.form_errors.append(
                _("This form contains a question that is not part of this survey.")
            )
            break

    for question in questions:
        values = form.getlist(field_name(question))
        if len(values) > 1:
            parsed.errors[question.id] = _("Please choose only one answer.")
            continue
        if not values:
            if question.required:
                parsed.errors[question.id] = _("Please choose an answer.")
            elif question.kind != "text":
                parsed.answers[question.id] = None
            continue
        value = values[0]
        parsed.raw[question.id] = value
        if "\x00" in value:
            parsed.errors[question.id] = _(
                "This answer contains a character that cannot be saved."
            )
        elif question.kind == "text":
            text = clean_text(value)
            if len(text) > MAX_TEXT_LENGTH:
                parsed.errors[question.id] = _(
                    "Please shorten your answer to %(limit)s characters (it has %(length)s).",
                    limit=f"{MAX_TEXT_LENGTH:,}",
                    length=f"{len(text):,}",
                )
            elif text:
                parsed.answers[question.id] = text
        else:
            try:
                parsed.answers[question.id] = _choice_value(question, value)
            except KeyError:
                parsed.errors[question.id] = _("Please choose one of the answers offered.")
    return parsed


def valid_submission_id(value: str | None) -> bool:
    """Tell whether a one-time submission id has the shape the server issues."""
    return value is not None and SUBMISSION_ID_RE.match(value) is not None
