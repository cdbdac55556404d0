"""Database plumbing shared by every feature: UTC timestamps and SQLite's durability settings."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time in UTC; a callable default, evaluated per row."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back timezone-aware on every database.

    SQLite has no time zones and PostgreSQL's timestamptz converts on the way out; storing
    naive UTC everywhere keeps both identical and day bucketing (for exports) unambiguous.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC; a naive one is refused to avoid guessing."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        return None if value is None else value.replace(tzinfo=UTC)


def normalize_database_uri(uri: str) -> str:
    """Return the URI with PostgreSQL pointed at psycopg 3, the driver this project installs.

    Operators paste `postgres://` or `postgresql://` URLs from their hosting panel; without the
    driver name SQLAlchemy would look for psycopg2, which is not installed.
    """
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def configure_sqlite(engine: Engine, busy_timeout_ms: int = 10_000) -> None:
    """Make SQLite safe for a busy evening: WAL, durable commits, a wait instead of an error.

    pysqlite's own transaction handling is switched off so that a write transaction can begin
    with `BEGIN IMMEDIATE` (see `begin_write`): taking the write lock up front means a second
    writer waits up to `busy_timeout_ms` (config SQLITE_BUSY_TIMEOUT_MS) instead of failing
    mid-transaction; only a lock held longer than that raises "database is locked", which the
    views turn into a 503 "press Submit again" page.
    """
    busy_timeout_ms = int(busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def begin_write(session: Session) -> None:
    """Start the session's next transaction as a write that holds SQLite's lock from the start.

    A read snapshot the request already holds (loading the event) is ended first: SQLite cannot
    upgrade it to a write without risking "database is locked". PostgreSQL needs nothing here.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
