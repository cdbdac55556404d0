"""The export log: one row per researcher export, visible to the department's admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.auth.models import User
from survey.database import UTCDateTime, utcnow
from survey.events.models import _in
from survey.extensions import db

EXPORT_SOURCES = ("web", "cli")


class ExportRecord(db.Model):  # type: ignore[name-defined]
    """Who exported what and when, and what anonymization cost, recorded before any byte left.

    `user_id` is NULL exactly when the export came from the command line (`flask export`),
    which runs as the server's operator rather than as a signed-in user.
    """

    __tablename__ = "export_records"
    __table_args__ = (
        CheckConstraint(_in("source", EXPORT_SOURCES), name="source_known"),
        CheckConstraint(
            "(source = 'cli' AND user_id IS NULL) OR (source = 'web' AND user_id IS NOT NULL)",
            name="user_matches_source",
        ),
        CheckConstraint("k >= 1", name="k_positive"),
        CheckConstraint(
            "rows_written >= 0 AND rows_dropped >= 0 AND cells_suppressed >= 0 "
            "AND pair_links_withheld >= 0",
            name="counts_not_negative",
        ),
        Index("ix_export_records_department_created", "department_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"from": "YYYY-MM-DD" | null, "to": ..., "areas": [...], "kinds": [...]}
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    with_comments: Mapped[bool] = mapped_column(Boolean)
    k: Mapped[int]
    rows_written: Mapped[int]
    rows_dropped: Mapped[int]
    cells_suppressed: Mapped[int]
    pair_links_withheld: Mapped[int]

    user: Mapped[User | None] = relationship()

    @property
    def actor(self) -> str:
        """Return the exporting user's e-mail, or "cli" for the command line."""
        return self.user.email if self.user is not None else "cli"
