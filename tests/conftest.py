"""Fixtures: an app per test on a migrated database (SQLite always, PostgreSQL when asked).

The schema is built once per session with the real migrations (`flask db upgrade`), then each
test gets a copy (SQLite) or emptied tables (PostgreSQL), so tests are isolated and quick.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from survey import create_app
from survey.extensions import db

SECRET = "test-secret-key-that-is-long-enough-0123456789"
BASE_URL = "https://pulse.test"
PASSWORD = "correct horse battery staple"


def base_config(database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": BASE_URL,
        "RATELIMIT_ENABLED": False,
    }


def migrate_database(url: str) -> None:
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    from survey.database import normalize_database_uri

    url = normalize_database_uri(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate_database(url)
    return url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{name}"' for name in tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        yield url
        _empty_postgres(url)


@pytest.fixture
def config() -> dict[str, Any]:
    """Extra settings a test module can override before the app is built."""
    return {}


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The fixture keeps an app context open for the test's own queries; without this, requests
    would share its `g` (cached locale, CSRF token) and its database session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.rollback()  # the test's next query sees what the request committed
        return response


@pytest.fixture
def app(database_url: str, config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({**base_config(database_url), **config})
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# Factories: each returns a callable so a test makes exactly what it needs. -----------------


@pytest.fixture
def make_department(app: Flask) -> Callable[..., Any]:
    from survey.events.services import create_department

    counter = iter(range(1, 1000))

    def make(slug: str | None = None, **kwargs: Any) -> Any:
        number = next(counter)
        kwargs.setdefault("name", f"Department {number}")
        kwargs.setdefault("areas", ["Northside", "Southside"])
        return create_department(slug=slug or f"dept-{number}", **kwargs)

    return make


@pytest.fixture
def make_event(app: Flask, make_department: Callable[..., Any]) -> Callable[..., Any]:
    from survey.events.services import create_event

    def make(department: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("name", "National Night Out")
        kwargs.setdefault("kind", "national-night-out")
        kwargs.setdefault("area", "Northside")
        kwargs.setdefault("status", "open")
        starts_at = kwargs.pop("starts_at", datetime(2026, 8, 4, 23, 0, tzinfo=UTC))
        return create_event(department or make_department(), starts_at=starts_at, **kwargs)

    return make


@pytest.fixture
def make_user(app: Flask, make_department: Callable[..., Any]) -> Callable[..., Any]:
    from survey.auth.services import create_user

    counter = iter(range(1, 1000))

    def make(role: str = "staff", department: Any = None, email: str | None = None) -> Any:
        email = email or f"{role}{next(counter)}@example.org"
        return create_user(email, PASSWORD, department or make_department(), role)

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[Any], None]:
    """Sign a user in through the real login form."""

    def sign_in(user: Any) -> None:
        form = fetch_form(client, "/staff/login")
        response = client.post(
            "/staff/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": form["csrf_token"]},
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    return sign_in


INPUT_RE = re.compile(r"<input\b[^>]*>")
ATTR_RE = re.compile(r'([a-z-]+)="([^"]*)"')


def hidden_inputs(html: str) -> dict[str, str]:
    """Return the name and value of every hidden input of a page."""
    fields = {}
    for tag in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def fetch_form(client: FlaskClient, url: str, **kwargs: Any) -> dict[str, str]:
    """GET a page and return its hidden inputs (csrf_token, submission_id)."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return hidden_inputs(response.get_data(as_text=True))


def answers_for(event: Any, phase: str, value: str = "4", **by_code: str) -> dict[str, str]:
    """Return form fields answering every question of the phase (text left blank)."""
    data = {}
    for question in event.question_set.questions:
        if not question.asked_in(phase):
            continue
        if question.code in by_code:
            data[f"q{question.id}"] = by_code[question.code]
        elif question.kind == "agree5":
            data[f"q{question.id}"] = value
        elif question.kind == "yesno":
            data[f"q{question.id}"] = "yes"
    return data


@pytest.fixture
def submit(client: FlaskClient) -> Callable[..., Any]:
    """Fill in and post a survey the way a browser does: GET the form, then POST it."""

    def post(event: Any, phase: str = "before", path: str | None = None, **by_code: str) -> Any:
        url = path or f"/s/{event.token}/{phase}"
        hidden = fetch_form(client, url)
        data = {**hidden, **answers_for(event, phase, **by_code)}
        return client.post(url, data=data)

    return post


@pytest.fixture
def runner_for_empty(tmp_path: Path) -> FlaskCliRunner:
    """A CLI runner on a brand-new, empty SQLite database."""
    app = create_app(base_config(f"sqlite:///{tmp_path}/empty.db"))
    return app.test_cli_runner()
