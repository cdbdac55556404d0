"""A locked or unreachable database, and text only one database would accept.

"database is locked" (SQLite) and a lock wait timeout (PostgreSQL) must reach a resident as
the 503 "press Submit again" page with every answer kept; the retry with the same one-time
id stores exactly one row. NUL bytes are refused identically on both databases.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url

from survey.extensions import db
from tests.conftest import fetch_form, hidden_inputs
from tests.hostile.conftest import (
    checked,
    filled_form,
    responses_stored,
    row_counts,
    sign_in,
    survey_url,
)


@pytest.fixture
def config(database_url: str) -> dict[str, Any]:
    """Wait 200 ms for a lock instead of 10 s, so the tests see the timeout quickly."""
    if database_url.startswith("sqlite"):
        return {"SQLITE_BUSY_TIMEOUT_MS": 200}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c lock_timeout=200"},
        }
    }


@contextmanager
def write_lock_held(app: Any, table: str = "responses") -> Iterator[None]:
    """Hold a table's write lock from another connection (all of SQLite's), as a writer does."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
    else:
        engine = create_engine(url)
        with engine.connect() as other:
            other.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                other.rollback()
        engine.dispose()


def test_a_locked_database_shows_503_keeps_answers_and_the_retry_stores_once(app, client, event):
    url = survey_url(event, "after")
    data = filled_form(client, event, "after", SAFE="1", COMMENT="Thanks to the officers")
    with write_lock_held(app):
        response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The server is busy. Your answers are safe here: please press Submit again." in page
    assert checked(page, event, "SAFE", "1")
    assert "Thanks to the officers</textarea>" in page
    kept = hidden_inputs(page)
    assert kept["submission_id"] == data["submission_id"]
    assert responses_stored() == 0

    retry = {**data, **kept}
    assert client.post(url, data=retry).status_code == 303
    assert client.post(url, data=retry).status_code == 303  # a second press: still one row
    assert responses_stored() == 1


def test_the_busy_page_is_in_the_residents_language(app, client, event):
    url = survey_url(event, "before", lang="es")
    data = {**fetch_form(client, url), **filled_form(client, event)}
    data.update(fetch_form(client, url))
    with write_lock_held(app):
        response = client.post(url, data=data)
    assert response.status_code == 503
    assert "El servidor está ocupado" in response.get_data(as_text=True)


def test_a_locked_database_on_a_staff_page_is_a_503_not_a_500(app, client, make_user):
    """Any other write that meets a lock gets the generic busy page with Retry-After."""
    user = make_user("admin")
    hidden = fetch_form(client, "/staff/login")
    with write_lock_held(app, "users"):
        response = client.post(
            "/staff/login",
            data={"email": user.email, "password": "correct horse battery staple", **hidden},
        )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The server is busy" in response.get_data(as_text=True)


def test_healthz_reports_an_unreachable_database_as_503(tmp_path):
    from survey import create_app
    from tests.conftest import base_config

    missing = tmp_path / "no-such-dir" / "x.db"
    app = create_app(base_config(f"sqlite:///{missing}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}


def test_sqlite_busy_timeout_comes_from_config(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite setting")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 200


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Collect every SQL statement the engine sends in the block, with COMMIT and ROLLBACK.

    `BEGIN ...` is sent as SQL by `survey.database.configure_sqlite`, so it is collected too.
    """
    seen: list[str] = []

    def statement(_conn, _cursor, sql, _parameters, _context, _many) -> None:
        seen.append(sql)

    def commit(_conn) -> None:
        seen.append("COMMIT")

    def rollback(_conn) -> None:
        seen.append("ROLLBACK")

    listeners = [("before_cursor_execute", statement), ("commit", commit), ("rollback", rollback)]
    for name, listener in listeners:
        sa_event.listen(db.engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            sa_event.remove(db.engine, name, listener)


def test_a_survey_submit_takes_the_sqlite_write_lock_up_front(client, event):
    """The response is inserted in a transaction begun IMMEDIATE, not upgraded from a read.

    A deferred transaction that has read (the event) and then writes fails with "database is
    locked" at once if another writer got in between, however long the busy timeout.
    """
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    data = filled_form(client, event, "after", COMMENT="Good evening")
    with statements_sent() as seen:
        response = client.post(survey_url(event, "after"), data=data)
    assert response.status_code == 303
    insert = next(i for i, sql in enumerate(seen) if sql.startswith("INSERT INTO responses "))
    begun = max(i for i in range(insert) if seen[i].startswith("BEGIN"))
    assert seen[begun] == "BEGIN IMMEDIATE", seen[: insert + 1]
    assert not {"COMMIT", "ROLLBACK"} & set(seen[begun:insert]), seen[begun : insert + 1]
    # The answers go in within the same transaction, which one COMMIT ends.
    ended = next(i for i in range(insert, len(seen)) if seen[i] in ("COMMIT", "ROLLBACK"))
    assert seen[ended] == "COMMIT"
    inserts = [sql.split()[2] for sql in seen[insert:ended] if sql.startswith("INSERT")]
    assert inserts == ["responses", "answers"]
    assert responses_stored() == 1


# NUL bytes: PostgreSQL raises on them even in a WHERE clause; every form refuses them first. --


@pytest.mark.parametrize("field", ["email", "password"])
def test_nul_in_the_sign_in_form_is_a_400_on_both_databases(client, make_user, field):
    user = make_user("admin")
    form = {"email": user.email, "password": "correct horse battery staple"}
    form[field] = form[field][:3] + "\x00" + form[field][3:]
    response = client.post("/staff/login", data={**fetch_form(client, "/staff/login"), **form})
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.get_data(as_text=True)
    assert client.get("/staff/events/").status_code == 302  # not signed in


def staff_post_urls(app: Any, ids: dict[str, int]) -> list[str]:
    """Return every staff URL that takes a POST, with ids filled in from `ids`."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.endpoint.startswith("responses."):
            continue
        values = {}
        for name in rule.arguments:
            if name not in ids:
                break
            values[name] = ids[name]
        else:
            urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(urls)


def test_nul_in_any_staff_form_is_a_400_and_stores_nothing(app, client, make_user, make_event):
    """Every POST route outside the resident survey, including ones added later."""
    user = make_user("admin")
    event = make_event(user.department)
    sign_in(client, user)
    pages = ("/staff/password", f"/staff/events/{event.id}", "/staff/events/")
    token = next(
        hidden_inputs(client.get(page).get_data(as_text=True))["csrf_token"]
        for page in pages
        if "csrf_token" in hidden_inputs(client.get(page).get_data(as_text=True))
    )
    ids = {"event_id": event.id, "user_id": user.id, "id": event.id, "set_id": 1}
    urls = staff_post_urls(app, ids)
    assert "/staff/login" in urls
    before = row_counts()
    for url in urls:
        data = {
            "csrf_token": token,
            "name": "Night\x00Out",
            "email": "a\x00@example.org",
            "area": "North\x00side",
            "role": "staff",
        }
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "Something was wrong with that request" in response.get_data(as_text=True), url
    assert row_counts() == before


def test_every_test_starts_on_empty_tables(app):
    """Runs after the tests above stored rows: isolation holds on SQLite and PostgreSQL."""
    assert set(row_counts().values()) == {0}
