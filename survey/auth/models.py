"""Staff accounts: one department each, one role each."""

from __future__ import annotations

import contextlib
import functools
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.database import UTCDateTime, utcnow
from survey.events.models import Department, _in
from survey.extensions import db

ROLES = ("admin", "staff", "researcher")
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


def new_session_token() -> str:
    """Return a fresh per-user token; rotating it signs the user out of every browser."""
    return secrets.token_hex(16)


class User(db.Model):  # type: ignore[name-defined]
    """A staff member; the session token in get_id() lets sign-out end every session."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship()

    # Flask-Login protocol -------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        """Deactivated users cannot log in and their open sessions stop working."""
        return self.active

    @property
    def is_authenticated(self) -> bool:
        """A loaded user is always authenticated; anonymous visitors are another class."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Always False: see is_authenticated."""
        return False

    def get_id(self) -> str:
        """Return id and session token, so rotating the token invalidates old cookies."""
        return f"{self.id}:{self.session_token}"

    # Passwords ------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        """Store an Argon2id hash; the password itself is never kept."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """Return True when the password matches, rehashing if parameters have moved on."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    @property
    def can_see_comments(self) -> bool:
        """Researchers read aggregates, never individual comments."""
        return self.role in ("admin", "staff")

    @property
    def can_export(self) -> bool:
        """Exports of microdata are for researchers and department admins."""
        return self.role in ("admin", "researcher")


@functools.cache
def _dummy_hash() -> str:
    """Return a hash of a random password, made once on first use rather than at import."""
    return _hasher.hash(secrets.token_hex(8))


def check_dummy_password(password: str) -> None:
    """Spend the time of a real verification, so unknown e-mails cannot be told by timing."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), password)
