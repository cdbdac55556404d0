"""SQL for the event report and the trends: aggregates computed by the database, plain rows out.

Every function runs one statement whose result has one row per group (phase, item, level,
event), never one per response, so a page costs the same for 30 or 30,000 residents. The
indexes they rely on come with the initial schema: responses (event_id, phase), the unique
(event_id, phase, pair_key) for the before/after self-join, the unique (response_id,
question_id) for answers, and events (department_id, starts_at) for trends.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import aliased

from survey.analytics.groups import Sums
from survey.dashboard.rows import (
    CommentRow,
    EventPhaseRow,
    ItemRow,
    LabelCount,
    LevelCount,
    PairedIndexRow,
    PairedItemRow,
    PhaseRow,
    TalkedRow,
)
from survey.events.models import Event, Question
from survey.extensions import db
from survey.responses.models import Answer, Response
from survey.sentiment.scoring import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD

TALKED_CODE = "TALKED"


def _sums(column: ColumnElement[float | None]) -> tuple[ColumnElement[object], ...]:
    """Return COUNT, SUM and SUM of squares of a column; NULLs (declined) are skipped."""
    return func.count(column), func.sum(column), func.sum(column * column)


def sentiment_label(column: ColumnElement[float | None]) -> ColumnElement[str]:
    """Return the SQL twin of survey.sentiment.scoring.label_for, with the same thresholds."""
    return case(
        (column.is_(None), "unscored"),
        (column > literal(POSITIVE_THRESHOLD), "positive"),
        (column < literal(NEGATIVE_THRESHOLD), "negative"),
        else_="neutral",
    )


def phase_sums(event_id: int) -> list[PhaseRow]:
    """Return per phase: responses, and the sums of the Trust and Safety indices."""
    rows = db.session.execute(
        select(
            Response.phase,
            func.count(),
            *_sums(Response.trust_index),
            *_sums(Response.safety_index),
        )
        .where(Response.event_id == event_id)
        .group_by(Response.phase)
    )
    return [
        PhaseRow(row[0], int(row[1]), Sums.from_sql(*row[2:5]), Sums.from_sql(*row[5:8]))
        for row in rows
    ]


def _pairs() -> tuple[type[Response], type[Response]]:
    """Return aliases for a before response and the after response of the same phone."""
    return aliased(Response, name="before"), aliased(Response, name="after")


def paired_index_sums(event_id: int) -> PairedIndexRow:
    """Return the number of before/after pairs and the sums of their index changes.

    A self-join of responses on (event_id, pair_key): the unique constraint on (event_id,
    phase, pair_key) guarantees at most one pair per phone, and kiosk rows (no pair_key)
    never join.
    """
    before, after = _pairs()
    trust = after.trust_index - before.trust_index
    safety = after.safety_index - before.safety_index
    row = db.session.execute(
        select(func.count(), *_sums(trust), *_sums(safety))
        .select_from(before)
        .join(
            after,
            (after.event_id == before.event_id)
            & (after.pair_key == before.pair_key)
            & (after.phase == "after"),
        )
        .where(before.event_id == event_id, before.phase == "before")
    ).one()
    return PairedIndexRow(int(row[0]), Sums.from_sql(*row[1:4]), Sums.from_sql(*row[4:7]))


def item_sums(event_id: int, kinds: Sequence[str] = ("agree5",)) -> list[ItemRow]:
    """Return the sums of each numeric item of the given kinds per phase."""
    rows = db.session.execute(
        select(Question.code, Response.phase, *_sums(Answer.value_num))
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Question, Answer.question_id == Question.id)
        .where(Response.event_id == event_id, Question.kind.in_(kinds))
        .group_by(Question.code, Response.phase)
    )
    return [ItemRow(code, phase, Sums.from_sql(n, s, ss)) for code, phase, n, s, ss in rows]


def paired_item_sums(event_id: int, kinds: Sequence[str] = ("agree5",)) -> list[PairedItemRow]:
    """Return per item the sums of the per-pair change, over pairs that answered it twice."""
    before, after = _pairs()
    answer_before = aliased(Answer, name="answer_before")
    answer_after = aliased(Answer, name="answer_after")
    change = answer_after.value_num - answer_before.value_num
    rows = db.session.execute(
        select(Question.code, *_sums(change))
        .select_from(before)
        .join(
            after,
            (after.event_id == before.event_id)
            & (after.pair_key == before.pair_key)
            & (after.phase == "after"),
        )
        .join(answer_before, answer_before.response_id == before.id)
        .join(
            answer_after,
            (answer_after.response_id == after.id)
            & (answer_after.question_id == answer_before.question_id),
        )
        .join(Question, Question.id == answer_before.question_id)
        .where(before.event_id == event_id, before.phase == "before", Question.kind.in_(kinds))
        .group_by(Question.code)
    )
    return [PairedItemRow(code, Sums.from_sql(n, s, ss)) for code, n, s, ss in rows]


def level_counts(event_id: int) -> list[LevelCount]:
    """Return how often each agreement item got each answer (None: prefer not to say)."""
    rows = db.session.execute(
        select(Question.code, Response.phase, Answer.value_num, func.count())
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Question, Answer.question_id == Question.id)
        .where(Response.event_id == event_id, Question.kind == "agree5")
        .group_by(Question.code, Response.phase, Answer.value_num)
    )
    return [LevelCount(code, phase, level, int(count)) for code, phase, level, count in rows]


def talked_trust_sums(event_id: int) -> list[TalkedRow]:
    """Return after-phase Trust index sums grouped by the TALKED answer (1 yes, 0 no, None)."""
    talked = (
        select(Answer.response_id, Answer.value_num)
        .join(Question, Answer.question_id == Question.id)
        .where(Question.code == TALKED_CODE)
        .subquery()
    )
    rows = db.session.execute(
        select(talked.c.value_num, *_sums(Response.trust_index))
        .select_from(Response)
        .outerjoin(talked, talked.c.response_id == Response.id)
        .where(Response.event_id == event_id, Response.phase == "after")
        .group_by(talked.c.value_num)
    )
    return [TalkedRow(value, Sums.from_sql(n, s, ss)) for value, n, s, ss in rows]


def _comment_filter(event_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        Response.event_id == event_id,
        Question.kind == "text",
        Answer.value_text.is_not(None),
    )


def label_counts(event_id: int) -> list[LabelCount]:
    """Return how many comments to each text item got each sentiment label."""
    label = sentiment_label(Answer.sentiment)
    rows = db.session.execute(
        select(Question.code, label, func.count())
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Question, Answer.question_id == Question.id)
        .where(*_comment_filter(event_id))
        .group_by(Question.code, label)
    )
    return [LabelCount(code, name, int(count)) for code, name, count in rows]


def comments(event_id: int, label: str | None, limit: int, offset: int) -> list[CommentRow]:
    """Return one page of the event's comments, newest first, optionally of one label."""
    query = (
        select(
            Answer.id,
            Question.code,
            Response.phase,
            Response.submitted_at,
            Answer.value_text,
            Answer.sentiment,
        )
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Question, Answer.question_id == Question.id)
        .where(*_comment_filter(event_id))
        .order_by(Response.submitted_at.desc(), Answer.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if label is not None:
        query = query.where(sentiment_label(Answer.sentiment) == label)
    return [CommentRow(*row) for row in db.session.execute(query)]


@dataclass(frozen=True, slots=True)
class TrendQuery:
    """Which events a trend covers: one department, optional areas, kind and start range."""

    department_id: int
    areas: tuple[str, ...] = ()
    kind: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


def event_phase_sums(query: TrendQuery) -> list[EventPhaseRow]:
    """Return per event and phase the sums of the Trust and Safety indices and sentiment.

    One grouped join of events and responses; months are pooled from these rows in
    trends.py because a month is a calendar month in the department's own time zone.
    """
    conditions: list[ColumnElement[bool]] = [Event.department_id == query.department_id]
    if query.areas:
        conditions.append(Event.area.in_(query.areas))
    if query.kind:
        conditions.append(Event.kind == query.kind)
    if query.starts_from is not None:
        conditions.append(Event.starts_at >= query.starts_from)
    if query.starts_before is not None:
        conditions.append(Event.starts_at < query.starts_before)
    rows = db.session.execute(
        select(
            Event.id,
            Event.name,
            Event.area,
            Event.kind,
            Event.starts_at,
            Response.phase,
            *_sums(Response.trust_index),
            *_sums(Response.safety_index),
            *_sums(Response.sentiment),
        )
        .select_from(Event)
        .join(Response, Response.event_id == Event.id)
        .where(*conditions)
        .group_by(Event.id, Event.name, Event.area, Event.kind, Event.starts_at, Response.phase)
        .order_by(Event.starts_at, Event.id, Response.phase)
    )
    return [
        EventPhaseRow(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            Sums.from_sql(*row[6:9]),
            Sums.from_sql(*row[9:12]),
            Sums.from_sql(*row[12:15]),
        )
        for row in rows
    ]


def event_areas(department_id: int) -> list[str]:
    """Return the distinct areas the department's events were held in, for the filter."""
    return list(
        db.session.scalars(
            select(Event.area)
            .where(Event.department_id == department_id, Event.area.is_not(None))
            .distinct()
            .order_by(Event.area)
        )
    )
