"""Departments, their versioned question sets, and the events residents answer them at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.database import UTCDateTime, utcnow
from survey.extensions import db

EVENT_KINDS = ("national-night-out", "community-walk", "town-hall", "other")
EVENT_STATUSES = ("draft", "open", "closed")
QUESTION_KINDS = ("agree5", "scale10", "yesno", "choice", "text")
PHASES = ("before", "after")
QUESTION_PHASES = ("both", *PHASES)


def _in(column: str, values: tuple[str, ...]) -> str:
    """Return a SQL IN-list check so allowed values live in one Python tuple."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Department(db.Model):  # type: ignore[name-defined]
    """A police department: the unit of tenancy; staff see only their own."""

    __tablename__ = "departments"
    __table_args__ = (CheckConstraint("length(slug) > 0", name="slug_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question_sets: Mapped[list[QuestionSet]] = relationship(back_populates="department")


class QuestionSet(db.Model):  # type: ignore[name-defined]
    """A versioned instrument: once it has responses it is never edited, only superseded."""

    __tablename__ = "question_sets"
    __table_args__ = (
        db.UniqueConstraint("department_id", "name", "version"),
        # What events' (department, question set) key refers to: an event uses an instrument
        # of its own department, and the database says so, not only the forms.
        db.UniqueConstraint("department_id", "id"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(back_populates="question_sets")
    questions: Mapped[list[Question]] = relationship(
        back_populates="question_set", order_by="Question.position", lazy="selectin"
    )

    @property
    def label(self) -> str:
        """Name and version, as staff pick it from a list and researchers cite it."""
        return f"{self.name} v{self.version}"


class Question(db.Model):  # type: ignore[name-defined]
    """One item with its wording in both languages; the code is stable across versions."""

    __tablename__ = "questions"
    __table_args__ = (
        db.UniqueConstraint("question_set_id", "code"),
        db.UniqueConstraint("question_set_id", "position"),
        db.UniqueConstraint("id", "question_set_id"),  # answers' (question, set) key
        CheckConstraint(_in("kind", QUESTION_KINDS), name="kind_known"),
        CheckConstraint(_in("phase", QUESTION_PHASES), name="phase_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_set_id: Mapped[int] = mapped_column(ForeignKey("question_sets.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(8), default="both")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # Demographic items are quasi-identifiers: the export generalizes them for k-anonymity.
    demographic: Mapped[bool] = mapped_column(Boolean, default=False)
    text_en: Mapped[str] = mapped_column(Text)
    text_es: Mapped[str] = mapped_column(Text)
    # For kind "choice": [{"value": "a", "en": "...", "es": "..."}, ...]
    choices: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)

    question_set: Mapped[QuestionSet] = relationship(back_populates="questions")

    def text(self, language: str) -> str:
        """Return the wording in the resident's language, English for any other."""
        return self.text_es if language == "es" else self.text_en

    def asked_in(self, phase: str) -> bool:
        """Tell whether the question appears on the given phase's form."""
        return self.phase in ("both", phase)


class Event(db.Model):  # type: ignore[name-defined]
    """An event residents answer at; draft until opened, closed when it is over."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),
        CheckConstraint(_in("status", EVENT_STATUSES), name="status_known"),
        CheckConstraint("length(token) >= 16", name="token_long_enough"),
        Index("ix_events_department_starts", "department_id", "starts_at"),
        ForeignKeyConstraint(
            ["department_id", "question_set_id"],
            ["question_sets.department_id", "question_sets.id"],
            name="fk_events_own_question_set",
        ),
        db.UniqueConstraint("id", "question_set_id"),  # responses' (event, set) key
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    question_set_id: Mapped[int] = mapped_column(ForeignKey("question_sets.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    area: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default="draft")
    # When it was closed: forms already open on phones may still submit for a grace period.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The unguessable public handle in survey URLs; events cannot be enumerated.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()
    # Two foreign keys reach question_sets (the plain one and the own-department key): the
    # relationship follows the plain one.
    question_set: Mapped[QuestionSet] = relationship(
        primaryjoin="Event.question_set_id == QuestionSet.id", foreign_keys=[question_set_id]
    )
