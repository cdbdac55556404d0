"""Storing a resident's response: exactly once, with its indices and sentiment computed."""

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from statistics import fmean
from typing import Protocol

from sqlalchemy import exists, insert, select
from sqlalchemy.exc import IntegrityError

from survey.analytics.stats import to_index
from survey.database import begin_write, utcnow
from survey.events.instrument import SAFETY_ITEMS, TRUST_ITEMS
from survey.events.models import Question
from survey.extensions import db
from survey.responses.forms import Value
from survey.responses.models import Answer, Response
from survey.sentiment.scoring import score_text

# Phones that opened the form before staff closed the event may still submit for this long.
CLOSED_GRACE = timedelta(hours=2)

INSERT_RESPONSE = insert(Response.__table__).returning(Response.__table__.c.id)
INSERT_ANSWERS = insert(Answer.__table__)


class ResidentEvent(Protocol):
    """The columns of an event that the resident pages read: an `Event` or a plain row.

    The survey views read these six columns with one Core query instead of loading the ORM
    object, whose loading was a fifth of the CPU of a resident's request.
    """

    @property
    def id(self) -> int: ...  # noqa: D102 - the column's own name says it
    @property
    def name(self) -> str: ...  # noqa: D102
    @property
    def token(self) -> str: ...  # noqa: D102
    @property
    def status(self) -> str: ...  # noqa: D102
    @property
    def closed_at(self) -> datetime | None: ...  # noqa: D102
    @property
    def question_set_id(self) -> int: ...  # noqa: D102


class Outcome(enum.Enum):
    """What record_response did, so the view can tell the resident."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # the same one-time submission id again: already stored once
    ALREADY_ANSWERED = "already-answered"  # this phone already answered this phase


def accepts_submissions(event: ResidentEvent) -> bool:
    """Tell whether the event takes answers now: open, or closed only moments ago."""
    if event.status == "open":
        return True
    return (
        event.status == "closed"
        and event.closed_at is not None
        and utcnow() - event.closed_at <= CLOSED_GRACE
    )


def _index(values: Sequence[float | None]) -> float | None:
    """Return the 0–100 index of the answered items; None when every one was declined."""
    answered = [value for value in values if value is not None]
    return to_index(fmean(answered)) if answered else None


def indices(numeric: Mapping[str, Value]) -> tuple[float | None, float | None]:
    """Return the (trust, safety) indices, 0–100, of one response's answers by item code."""
    trust = _index([_number(numeric.get(code)) for code in TRUST_ITEMS])
    safety = _index([_number(numeric.get(code)) for code in SAFETY_ITEMS])
    return trust, safety


def _number(value: Value) -> float | None:
    return value if isinstance(value, float) else None


def already_answered(event_id: int, phase: str, pair_key: str) -> bool:
    """Tell whether this phone already has a response for the event's phase."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Response.event_id == event_id,
                    Response.phase == phase,
                    Response.pair_key == pair_key,
                )
            )
        )
    )


def record_response(
    *,
    event: ResidentEvent,
    phase: str,
    language: str,
    channel: str,
    pair_key: str | None,
    submission_id: str,
    questions: Sequence[Question],
    answers: Mapping[int, Value],
) -> Outcome:
    """Store one response and its answers in one transaction and say what happened.

    The unique constraints decide duplicates, not a prior read, so two racing requests (a
    double tap, a retry on a dropped connection) still store exactly one row.
    """
    codes = {question.id: question.code for question in questions}
    free_text = {question.id for question in questions if question.kind == "text"}
    trust_index, safety_index = indices({codes[qid]: value for qid, value in answers.items()})
    rows: list[dict[str, object]] = []
    polarities: list[float] = []
    for qid, value in answers.items():
        polarity = None
        if qid in free_text and isinstance(value, str):
            sentiment = score_text(value)
            polarity = sentiment.polarity if sentiment else None
            if polarity is not None:
                polarities.append(polarity)
        rows.append(
            {
                "question_id": qid,
                "question_set_id": event.question_set_id,
                "value_num": None if isinstance(value, str) else value,
                "value_text": value if isinstance(value, str) else None,
                "sentiment": polarity,
            }
        )

    begin_write(db.session())
    try:
        # Core statements built once, on the session's connection: the ORM's insert path
        # and building the statement per request cost more than the inserts themselves.
        connection = db.session.connection()
        response_id = connection.execute(
            INSERT_RESPONSE,
            {
                "event_id": event.id,
                "question_set_id": event.question_set_id,
                "phase": phase,
                "language": language,
                "channel": channel,
                "submitted_at": utcnow(),
                "pair_key": pair_key,
                "submission_id": submission_id,
                "trust_index": trust_index,
                "safety_index": safety_index,
                "sentiment": round(fmean(polarities), 4) if polarities else None,
            },
        ).scalar_one()
        for row in rows:
            row["response_id"] = response_id
        if rows:
            connection.execute(INSERT_ANSWERS, rows)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _explain_conflict(event.id, phase, pair_key, submission_id)
    return Outcome.STORED


def _explain_conflict(
    event_id: int, phase: str, pair_key: str | None, submission_id: str
) -> Outcome:
    """Return which uniqueness rule a refused insert met; anything else is a real error."""
    if db.session.scalar(select(exists().where(Response.submission_id == submission_id))):
        return Outcome.DUPLICATE
    if pair_key is not None and already_answered(event_id, phase, pair_key):
        return Outcome.ALREADY_ANSWERED
    raise RuntimeError("a response insert violated a constraint other than the duplicate rules")
