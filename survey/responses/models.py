"""What residents submit: one response per form, one answer per question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.database import UTCDateTime, utcnow
from survey.events.models import PHASES, _in
from survey.extensions import db

LANGUAGES = ("en", "es")
CHANNELS = ("qr", "kiosk")


class Response(db.Model):  # type: ignore[name-defined]
    """One submitted form. Indices are denormalized at submit so trends aggregate one table."""

    __tablename__ = "responses"
    __table_args__ = (
        # One phone answers each phase of an event once; kiosk rows have no pair_key.
        db.UniqueConstraint("event_id", "phase", "pair_key"),
        CheckConstraint(_in("phase", PHASES), name="phase_known"),
        CheckConstraint(_in("language", LANGUAGES), name="language_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint("trust_index BETWEEN 0 AND 100", name="trust_index_range"),
        CheckConstraint("safety_index BETWEEN 0 AND 100", name="safety_index_range"),
        CheckConstraint("sentiment BETWEEN -1 AND 1", name="sentiment_range"),
        CheckConstraint("channel = 'qr' OR pair_key IS NULL", name="kiosk_unpaired"),
        Index("ix_responses_event_phase", "event_id", "phase"),
        # A response is to its event's question set, and each answer (below) to a question of
        # that same set: the database refuses any mix, whatever code writes the rows.
        ForeignKeyConstraint(
            ["event_id", "question_set_id"],
            ["events.id", "events.question_set_id"],
            name="fk_responses_event_question_set",
        ),
        db.UniqueConstraint("id", "question_set_id"),  # answers' (response, set) key
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    question_set_id: Mapped[int]
    phase: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(8))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # HMAC(secret, event id + cookie id): links a phone's before and after at one event only.
    pair_key: Mapped[str | None] = mapped_column(String(64))
    # One-time id carried by the rendered form: a retry or double tap stores one row.
    submission_id: Mapped[str] = mapped_column(String(32), unique=True)
    trust_index: Mapped[float | None] = mapped_column(Float)
    safety_index: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[float | None] = mapped_column(Float)

    # Two foreign keys join answers to responses (the plain one and the question-set key):
    # the relationship follows the plain one.
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response",
        cascade="all, delete-orphan",
        primaryjoin="Response.id == Answer.response_id",
        foreign_keys="Answer.response_id",
    )


class Answer(db.Model):  # type: ignore[name-defined]
    """One answer; both values NULL means "Prefer not to say" (or an optional blank)."""

    __tablename__ = "answers"
    __table_args__ = (
        db.UniqueConstraint("response_id", "question_id"),
        CheckConstraint("value_num IS NULL OR value_text IS NULL", name="one_value"),
        CheckConstraint("sentiment IS NULL OR value_text IS NOT NULL", name="sentiment_of_text"),
        CheckConstraint("sentiment BETWEEN -1 AND 1", name="sentiment_range"),
        Index("ix_answers_question", "question_id"),
        ForeignKeyConstraint(
            ["response_id", "question_set_id"],
            ["responses.id", "responses.question_set_id"],
            name="fk_answers_response_question_set",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["question_id", "question_set_id"],
            ["questions.id", "questions.question_set_id"],
            name="fk_answers_question_question_set",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    question_set_id: Mapped[int]
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    # TextBlob polarity for English text; NULL for text in a language it cannot score.
    sentiment: Mapped[float | None] = mapped_column(Float)

    response: Mapped[Response] = relationship(
        back_populates="answers",
        primaryjoin="Response.id == Answer.response_id",
        foreign_keys=[response_id],
    )
