"""Real gunicorn, real sockets: a server per database, and residents as threads.

Each database gets its own migrated store (a temporary SQLite file; a PostgreSQL database
named after TEST_DATABASE_URL's with "_load" appended) with one department, a few thousand
earlier responses (so an export has something to chew on) and fresh events per test.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from survey import create_app
from survey.extensions import db
from tests.conftest import SECRET, base_config, migrate_database

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = 4
USER_AGENT = "CommunityPulseLoadTest/1.0"
BOOT_TIMEOUT = 90
DEPARTMENT = "load-test"
EARLIER_RESPONSES = 3000
HIDDEN_RE = re.compile(r'<input type="hidden" name="(csrf_token|submission_id)" value="([^"]*)"')
FIELD_RE = re.compile(r'name="(q\d+)" value="([^"]*)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_load_url() -> str:
    """Return a PostgreSQL URL of the load tests' own database, recreated empty."""
    from survey.database import normalize_database_uri

    base = make_url(normalize_database_uri(os.environ["TEST_DATABASE_URL"]))
    url = base.set(database=f"{base.database}_load")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except DBAPIError as error:
        pytest.skip(f"cannot create the load-test database {url.database}: {error}")
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


def seed(url: str) -> None:
    """Create the department and EARLIER_RESPONSES answered forms at a past event."""
    from survey.events.services import create_department, create_event
    from survey.responses.models import Response

    app = create_app(base_config(url))
    with app.app_context():
        department = create_department(slug=DEPARTMENT, name="Load Test PD", areas=["North"])
        event = create_event(
            department,
            name="Earlier event",
            kind="community-walk",
            area="North",
            status="closed",
            starts_at=datetime(2026, 5, 1, 23, 0, tzinfo=UTC),
        )
        now = datetime.now(UTC) - timedelta(days=30)
        responses = [
            {
                "event_id": event.id,
                "question_set_id": event.question_set_id,
                "phase": "after",
                "language": "en",
                "channel": "kiosk",
                "submitted_at": now,
                "submission_id": f"{number:032x}",
                "trust_index": 50.0,
                "safety_index": 50.0,
            }
            for number in range(EARLIER_RESPONSES)
        ]
        db.session.execute(insert(Response.__table__), responses)
        # Every closed after-item answered, computed in SQL: one statement on either database.
        db.session.execute(
            text(
                "INSERT INTO answers (response_id, question_id, question_set_id, value_num) "
                "SELECT r.id, q.id, q.question_set_id, "
                "CASE WHEN q.kind = 'agree5' THEN 1 + (r.id + q.id) % 5 END "
                "FROM responses r CROSS JOIN questions q "
                "WHERE q.question_set_id = :set AND q.kind <> 'text' AND q.phase <> 'before'"
            ),
            {"set": event.question_set_id},
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@dataclass
class Server:
    """A running gunicorn master with its workers, on one database."""

    process: subprocess.Popen[bytes]
    port: int
    database_url: str
    log: Path
    app: Any = None

    def workers(self) -> list[int]:
        """Return the pids of the master's live children."""
        found: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            found.extend(int(pid) for pid in (task / "children").read_text().split())
        return found

    def new_event(self, name: str) -> Any:
        """Create an open event in the load-test department; return its token."""
        from survey.events.services import create_event, department_by_slug

        with self.app.app_context():
            event = create_event(
                department_by_slug(DEPARTMENT),
                name=name,
                kind="national-night-out",
                area="North",
                status="open",
                starts_at=datetime(2026, 8, 4, 23, 0, tzinfo=UTC),
            )
            db.session.remove()
            return event


def start_server(database_url: str, log: Path) -> Server:
    """Start gunicorn with the production settings file; skip the tests if it cannot start."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed at {GUNICORN}")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 (only where gunicorn looks)
        "FLASK_SECRET_KEY": SECRET,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "FLASK_RATELIMIT_ENABLED": "false",
        "COMMUNITY_PULSE_INSTANCE": str(log.parent / "instance"),  # not the checkout's
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [str(GUNICORN), "--config", "survey/gunicorn_conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, database_url, log, create_app(base_config(database_url)))
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.skip(f"gunicorn exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            health = f"http://127.0.0.1:{port}/healthz"
            with urllib.request.urlopen(health, timeout=5) as answer:
                if answer.status == 200 and len(server.workers()) == WORKERS:
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    pytest.skip(f"gunicorn did not answer /healthz in {BOOT_TIMEOUT} s: {log.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    server.process.send_signal(signal.SIGINT)  # quick shutdown: the tests are over
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A 4-worker gunicorn on a migrated, seeded database of its own."""
    directory = tmp_path_factory.mktemp(f"load-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'load.db'}"
    else:
        if not os.environ.get("TEST_DATABASE_URL"):
            pytest.skip("PostgreSQL load tests need TEST_DATABASE_URL")
        url = postgres_load_url()
    migrate_database(url)
    seed(url)
    running = start_server(url, directory / "gunicorn.log")
    yield running
    stop_server(running)
    with running.app.app_context():
        db.engine.dispose()  # the connections the test's own app (events, exports) opened
    running.app = None


# Residents ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one resident's phone saw."""

    submission_id: str = ""
    acknowledged: bool = False
    statuses: list[int] = field(default_factory=list)
    dropped: int = 0  # connections cut without an answer (a killed worker)
    seconds: float = 0.0
    acknowledged_at: float = 0.0  # time.monotonic() when the 303 arrived


def request(port: int, method: str, path: str, body: bytes = b"", headers: Any = None) -> Any:
    """Send one request on a new connection; return (status, headers, body)."""
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        conn.request(method, path, body=body or None, headers=all_headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def resident(port: int, token: str, start: threading.Barrier, outcome: Outcome) -> None:
    """Open the after form, answer it, submit; retry the same submission until acknowledged.

    A retry reuses the one-time submission id, the cookies and the body, exactly as a phone
    resends a form when its connection drops.
    """
    path = f"/s/{token}/after"
    start.wait()
    began = time.monotonic()
    filled = open_form(port, path, outcome)
    if filled is not None:
        submit(port, path, *filled, outcome)
    outcome.seconds = time.monotonic() - began


def open_form(port: int, path: str, outcome: Outcome) -> tuple[bytes, dict[str, str]] | None:
    """GET the form (retrying a cut connection); return the answered body and its headers."""
    for _ in range(10):
        try:
            status, headers, body = request(port, "GET", path)
        except (OSError, HTTPException):
            outcome.dropped += 1
            continue
        outcome.statuses.append(status)
        if status == 200:
            break
    else:
        return None
    page = body.decode()
    hidden = dict(HIDDEN_RE.findall(page))
    outcome.submission_id = hidden["submission_id"]
    cookies = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
    answers = {
        name: "yes" if value in ("yes", "no") else "4" for name, value in FIELD_RE.findall(page)
    }
    form = urlencode({**hidden, **answers}).encode()
    return form, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies}


def submit(port: int, path: str, form: bytes, headers: dict[str, str], outcome: Outcome) -> None:
    """POST the form until it is acknowledged, resending the same body after a cut."""
    for _ in range(20):
        try:
            status, _, _ = request(port, "POST", path, form, headers)
        except (OSError, HTTPException):
            outcome.dropped += 1
            time.sleep(0.2)
            continue
        outcome.statuses.append(status)
        if status == 303:
            outcome.acknowledged = True
            outcome.acknowledged_at = time.monotonic()
            break
        time.sleep(0.2)


@contextmanager
def read_transaction_held(url: str) -> Iterator[None]:
    """Hold one read transaction open (a slow analyst query) until the block ends.

    SQLite: a raw connection with an explicit BEGIN and a first read keeps its WAL snapshot;
    PostgreSQL: a REPEATABLE READ transaction. Neither may hold up a resident's submit.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        reader = sqlite3.connect(str(parsed.database), isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*), avg(trust_index) FROM responses").fetchall()
            yield
            reader.execute("SELECT count(*) FROM answers").fetchall()
            reader.execute("COMMIT")
        finally:
            reader.close()
        return
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as reader:
            reader.execute(text("SELECT count(*), avg(trust_index) FROM responses"))
            yield
            reader.execute(text("SELECT count(*) FROM answers"))
            reader.rollback()
    finally:
        engine.dispose()


def stored_submissions(url: str, token: str) -> list[str]:
    """Return the submission ids stored for the event, read straight from the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = conn.execute(
            text(
                "SELECT r.submission_id FROM responses r JOIN events e ON e.id = r.event_id "
                "WHERE e.token = :token"
            ),
            {"token": token},
        ).scalars()
        result = list(ids)
    engine.dispose()
    return result
