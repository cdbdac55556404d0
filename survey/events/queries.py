"""Read-only queries for the staff event pages: SQLAlchemy in, plain rows out.

Counts are aggregated in SQL over the (event_id, phase) index; nothing here loads responses.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from survey.database import utcnow
from survey.events.models import Event, Question, QuestionSet
from survey.extensions import db
from survey.responses.models import Response


@dataclass(frozen=True)
class EventRow:
    """One line of the events list: the event and how many answered before and after."""

    id: int
    name: str
    status: str
    kind: str
    area: str | None
    starts_at: datetime
    before: int
    after: int


@dataclass(frozen=True)
class Counts:
    """Responses of one event so far; `paired` counts phones that answered both phases."""

    before: int
    after: int
    paired: int


def _phase_count(phase: str) -> object:
    return func.count(Response.id).filter(Response.phase == phase)


def event_rows(department_id: int) -> list[EventRow]:
    """Return the department's events, newest first, with before/after counts.

    One grouped query (an outer join, so events nobody answered show zeros), however many
    events the department has.
    """
    statement = (
        select(
            Event.id,
            Event.name,
            Event.status,
            Event.kind,
            Event.area,
            Event.starts_at,
            _phase_count("before"),
            _phase_count("after"),
        )
        .outerjoin(Response, Response.event_id == Event.id)
        .where(Event.department_id == department_id)
        .group_by(Event.id, Event.name, Event.status, Event.kind, Event.area, Event.starts_at)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    return [EventRow(*row) for row in db.session.execute(statement)]


def live_event_counts(department_id: int) -> list[tuple[int, int, int]]:
    """Return (event id, before, after) of the department's events that can still gain answers.

    What the events list polls: open events, and closed ones within the grace period in which
    forms already open on phones may still submit. A past event's counts never change, so its
    responses are not counted again every few seconds for every open tab.
    """
    from survey.responses.services import CLOSED_GRACE

    statement = (
        select(Event.id, _phase_count("before"), _phase_count("after"))
        .outerjoin(Response, Response.event_id == Event.id)
        .where(
            Event.department_id == department_id,
            or_(
                Event.status == "open",
                and_(Event.status == "closed", Event.closed_at >= utcnow() - CLOSED_GRACE),
            ),
        )
        .group_by(Event.id)
    )
    return [(row[0], row[1], row[2]) for row in db.session.execute(statement)]


def event_counts(event_id: int) -> Counts:
    """Return the event's before, after and paired counts in one query (for live polling)."""
    before = aliased(Response)
    paired = (
        select(func.count(Response.id))
        .join(
            before,
            and_(
                before.event_id == Response.event_id,
                before.pair_key == Response.pair_key,
                before.phase == "before",
            ),
        )
        .where(Response.event_id == event_id, Response.phase == "after")
        .scalar_subquery()
    )
    row = db.session.execute(
        select(_phase_count("before"), _phase_count("after"), paired).where(
            Response.event_id == event_id
        )
    ).one()
    return Counts(before=row[0], after=row[1], paired=row[2] or 0)


def event_has_responses(event_id: int) -> bool:
    """Tell whether anyone has answered the event yet."""
    return bool(db.session.scalar(select(exists().where(Response.event_id == event_id))))


def question_set_frozen(question_set_id: int) -> bool:
    """Tell whether a question set must not change in place.

    It is frozen once any event using it has responses, and also while it is used by an event
    that is open or closed: residents may have its form open on their phones right now.
    """
    has_responses = exists().where(Response.event_id == Event.id)
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Event.question_set_id == question_set_id,
                    or_(Event.status != "draft", has_responses),
                )
            )
        )
    )


@dataclass(frozen=True)
class QuestionSetRow:
    """One version of a question set on the list page, with how widely it is used."""

    id: int
    name: str
    version: int
    items: int
    events: int
    responses: int


def question_set_rows(department_id: int) -> list[QuestionSetRow]:
    """Return every version of the department's question sets, newest first per name.

    Each row carries its item, event and response counts: three correlated counts in one
    statement, not a query per set.
    """
    items = (
        select(func.count(Question.id))
        .where(Question.question_set_id == QuestionSet.id)
        .scalar_subquery()
    )
    events = (
        select(func.count(Event.id))
        .where(Event.question_set_id == QuestionSet.id)
        .scalar_subquery()
    )
    responses = (
        select(func.count(Response.id))
        .join(Event, Event.id == Response.event_id)
        .where(Event.question_set_id == QuestionSet.id)
        .scalar_subquery()
    )
    statement = (
        select(QuestionSet.id, QuestionSet.name, QuestionSet.version, items, events, responses)
        .where(QuestionSet.department_id == department_id)
        .order_by(QuestionSet.name, QuestionSet.version.desc())
    )
    return [QuestionSetRow(*row) for row in db.session.execute(statement)]


def question_sets_of(department_id: int) -> list[QuestionSet]:
    """Return the department's question sets (every version), newest version first per name."""
    return list(
        db.session.scalars(
            select(QuestionSet)
            .where(QuestionSet.department_id == department_id)
            .order_by(QuestionSet.name, QuestionSet.version.desc())
        )
    )


def code_kinds(department_id: int, code: str) -> set[str]:
    """Return the kinds an item code already has in any of the department's question sets.

    A code means one item across versions (researchers join on it), so a new item may reuse
    a code only with the same kind.
    """
    return set(
        db.session.scalars(
            select(Question.kind)
            .join(QuestionSet, QuestionSet.id == Question.question_set_id)
            .where(QuestionSet.department_id == department_id, Question.code == code)
            .distinct()
        )
    )
