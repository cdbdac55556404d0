"""Signing staff in and out, the rules that keep a session honest, roles and user management."""

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, flash, request, session
from flask_login import current_user, logout_user
from sqlalchemy import func, select

from survey.auth.models import ROLES, User, check_dummy_password, new_session_token
from survey.database import begin_write, utcnow
from survey.events.models import Department
from survey.events.services import InvalidInput
from survey.extensions import db, login_manager

MIN_PASSWORD_LENGTH = 10

# Which roles may do what: the one table every page and template consults. Comments and
# exports keep their own rules on the User model (`can_see_comments`, `can_export`).
PERMISSIONS: dict[str, frozenset[str]] = {
    # The event list, an event's page with its live counts, question sets (read-only).
    "view_events": frozenset({"admin", "staff", "researcher"}),
    # Create, edit, open and close events; posters, QR codes and kiosk links; question sets.
    "manage_events": frozenset({"admin", "staff"}),
    # The users page: create, change role, deactivate and reactivate.
    "manage_users": frozenset({"admin"}),
}

View = TypeVar("View", bound=Callable[..., Any])


class LastAdminError(InvalidInput):
    """A change that would leave a department with nobody able to manage its users."""


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the user named by the session cookie if the account and its session still hold."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def allowed(user: Any, permission: str) -> bool:
    """Tell whether a (possibly anonymous) user's role grants the permission."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[permission]


def permission_required(permission: str) -> Callable[[View], View]:
    """Guard a view: anonymous visitors go to sign-in, other roles get a 403.

    The check needs no object, so the 403 reveals nothing about what exists; views still load
    objects through their department-scoped helpers, which answer 404 for other departments.
    """
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def background_request(view: View) -> View:
    """Mark a view that pages call on their own (polling), so it does not count as activity.

    Without this a forgotten laptop with an event page open would never reach the idle
    timeout, because the page keeps asking for counts.
    """
    view.background_request = True  # type: ignore[attr-defined]
    return view


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this e-mail and password, else None.

    Unknown e-mails cost the same hashing time as wrong passwords, so the response time does
    not reveal which accounts exist.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        check_dummy_password(password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def start_session() -> None:
    """Begin a fresh signed-in session: nothing from before sign-in (a planted value) survives."""
    session.clear()
    session.permanent = True
    session["signed_in_at"] = int(datetime.now(UTC).timestamp())


def end_all_sessions(user: User) -> None:
    """Rotate the user's session token: every browser signed in as them is signed out."""
    user.session_token = new_session_token()
    db.session.commit()


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site, so login cannot redirect away."""
    if not target:
        return None
    target = target.strip()
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def enforce_idle_timeout() -> None:
    """Sign a staff member out after STAFF_IDLE_TIMEOUT without activity.

    The session's absolute age is capped by PERMANENT_SESSION_LIFETIME as well: the cookie's
    own expiry is renewed on every request, so it cannot cap anything by itself.
    """
    now = datetime.now(UTC).timestamp()
    last_seen = session.get("last_seen")
    signed_in_at = session.get("signed_in_at")
    idle_limit = current_app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
    age_limit = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    idle = isinstance(last_seen, int | float) and now - last_seen > idle_limit
    too_old = isinstance(signed_in_at, int | float) and now - signed_in_at > age_limit
    if idle or too_old:
        logout_user()
        session.clear()
        flash("You were signed out after a period of inactivity. Please sign in again.")
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "background_request", False):
        session["last_seen"] = int(now)


def _validate_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(email: str, password: str, department: Department, role: str) -> User:
    """Create a staff account; the password is stored only as an Argon2id hash."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput(f"{email!r} is not an e-mail address.")
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of: {', '.join(ROLES)}.")
    _validate_new_password(password)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput(f"A user with e-mail {email} already exists.")
    user = User(email=email, department=department, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def department_users(department_id: int) -> list[User]:
    """Return the department's accounts, active first, then by e-mail, for the users page."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.department_id == department_id)
            .order_by(User.active.desc(), User.email)
        )
    )


def user_for_admin(user_id: int, admin: User) -> User:
    """Return the user if they belong to the admin's department, else 404 (not 403).

    A 404 keeps other departments' accounts from being confirmed to exist.
    """
    user = db.session.get(User, user_id)
    if user is None or user.department_id != admin.department_id:
        abort(404)
    return user


def _lock_department_admins(user: User) -> None:
    """Serialize admin changes in one department, so two admins cannot demote each other.

    SQLite takes its write lock up front (BEGIN IMMEDIATE); PostgreSQL locks the department
    row, and a second change waits for the first to commit before counting admins.
    """
    begin_write(db.session())
    db.session.execute(
        select(Department.id).where(Department.id == user.department_id).with_for_update()
    )
    db.session.refresh(user)


def _other_active_admins(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(User.id)).where(
                User.department_id == user.department_id,
                User.role == "admin",
                User.active.is_(True),
                User.id != user.id,
            )
        )
        or 0
    )


def change_role(user: User, role: str) -> User:
    """Give the user another role; the department always keeps at least one active admin."""
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of: {', '.join(ROLES)}.")
    _lock_department_admins(user)
    if user.role == "admin" and role != "admin" and user.active and not _other_active_admins(user):
        db.session.rollback()
        raise LastAdminError(
            f"{user.email} is the department's only active admin. Make someone else an admin "
            "first."
        )
    user.role = role
    db.session.commit()
    return user


def set_active(user: User, active: bool) -> User:
    """Deactivate (signing them out everywhere) or reactivate an account.

    A deactivated account cannot sign in and its open sessions stop working at once: the
    session token is rotated as well as the flag flipped.
    """
    _lock_department_admins(user)
    if not active and user.role == "admin" and user.active and not _other_active_admins(user):
        db.session.rollback()
        raise LastAdminError(
            f"{user.email} is the department's only active admin. Make someone else an admin "
            "first."
        )
    user.active = active
    if not active:
        user.session_token = new_session_token()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> User:
    """Replace the user's password after checking the current one; other sessions end.

    Rotating the session token signs out every other browser (one that might have been left
    signed in with the old password); the caller signs this browser in again.
    """
    if not user.check_password(current):
        raise InvalidInput("The current password is not correct.")
    _validate_new_password(new)
    if new == current:
        raise InvalidInput("Choose a new password that differs from the current one.")
    user.set_password(new)
    user.session_token = new_session_token()
    db.session.commit()
    return user
