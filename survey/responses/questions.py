"""The questions of a survey form, loaded once per worker instead of on every request.

Loading a question set through the ORM (the set, then its questions) was about a fifth of
the CPU of a resident's form and again of their submit (docs/performance.md). Residents only reach
events that are open or closed, and a question set used by such an event is frozen: it is
never edited in place, a change makes version N+1 with a new id (see
`survey.events.queries.question_set_frozen`; events never return to draft). So the
questions of a set id a resident can reach never change, and a worker may keep them, and
the HTML of a fresh form's questions too.
"""

from collections.abc import Sequence

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select

from survey.events.models import Question
from survey.extensions import db
from survey.responses.forms import ParsedSurvey

# A set costs a worker about 40 KB (its questions and four rendered forms): 1,024 sets, the
# ones most recently used, are about 40 MB. Older entries are dropped first.
MAX_CACHED_SETS = 1024


def questions_of_set(question_set_id: int) -> Sequence[Question]:
    """Return the set's questions in form order, from this worker's cache when present.

    The Question objects are detached from the session at once, so no later rollback can
    expire them; callers read their columns only (id, code, kind, wording, choices), never
    their relationships.
    """
    cache: dict[int, tuple[Question, ...]] = current_app.extensions.setdefault(
        "survey_questions", {}
    )
    questions = cache.pop(question_set_id, None)
    if questions is None:
        questions = tuple(
            db.session.scalars(
                select(Question)
                .where(Question.question_set_id == question_set_id)
                .order_by(Question.position)
            )
        )
        for question in questions:
            db.session.expunge(question)
        while len(cache) >= MAX_CACHED_SETS:
            cache.pop(next(iter(cache)))
    cache[question_set_id] = questions  # (re)inserted last: the most recently used
    return questions


def questions_html(
    question_set_id: int, phase: str, questions: Sequence[Question], parsed: ParsedSurvey
) -> Markup:
    """Return the form's questions as HTML; a fresh form's copy is rendered once per worker.

    A fresh form is the same for every resident of a question set, phase and language (the
    one-time id and CSRF token sit outside this block), and rendering its ~50 escaped
    options was half the CPU of showing the form. A form shown again with the resident's
    answers or errors is rendered as it is.
    """
    if parsed.raw or parsed.errors:
        return _render(questions, parsed)
    cache: dict[tuple[int, str, str], Markup] = current_app.extensions.setdefault(
        "survey_questions_html", {}
    )
    key = (question_set_id, phase, str(get_locale()))
    html = cache.get(key)
    if html is None:
        html = _render(questions, parsed)
        while len(cache) >= 2 * MAX_CACHED_SETS:
            cache.pop(next(iter(cache)))
        cache[key] = html
    return html


def _render(questions: Sequence[Question], parsed: ParsedSurvey) -> Markup:
    return Markup(render_template("responses/_questions.html", questions=questions, parsed=parsed))  # noqa: S704 - a template's own autoescaped output
