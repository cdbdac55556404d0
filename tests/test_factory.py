"""The factory: configuration sources, the secret key rule, health check."""

import os

import pytest

from survey import create_app
from tests.conftest import base_config


def test_test_config_is_applied(app):
    assert app.testing
    assert app.config["PUBLIC_BASE_URL"] == "https://pulse.test"
    assert app.config["MIN_GROUP_SIZE"] == 10
    assert app.config["EXPORT_K"] == 5


@pytest.fixture
def instance(monkeypatch, tmp_path):
    """An empty instance folder of the test's own, so the checkout's instance/ plays no part."""
    folder = tmp_path / "instance"
    monkeypatch.setenv("COMMUNITY_PULSE_INSTANCE", str(folder))
    for name in [name for name in os.environ if name.startswith("FLASK_")]:
        monkeypatch.delenv(name)
    return folder


def test_environment_overrides_defaults(monkeypatch, instance):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment-0123456789abcdef")
    monkeypatch.setenv("FLASK_MIN_GROUP_SIZE", "25")
    monkeypatch.setenv("FLASK_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance}/env.db")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789abcdef"
    assert app.config["MIN_GROUP_SIZE"] == 25
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")


def test_instance_config_is_read_and_the_environment_wins_over_it(monkeypatch, instance):
    instance.mkdir()
    (instance / "config.py").write_text(
        'SECRET_KEY = "from-instance-config-0123456789abcdef"\nMIN_GROUP_SIZE = 7\nEXPORT_K = 8\n'
    )
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["SECRET_KEY"] == "from-instance-config-0123456789abcdef"
    assert (app.config["MIN_GROUP_SIZE"], app.config["EXPORT_K"]) == (7, 8)
    # The default database lives in the instance folder, not in the checkout.
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/community-pulse.db"
    monkeypatch.setenv("FLASK_EXPORT_K", "11")
    assert create_app().config["EXPORT_K"] == 11


def test_first_development_run_generates_a_private_key_and_keeps_it(monkeypatch, instance):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    first = create_app()
    key_file = instance / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    # Pair keys are HMACs under it: a restart must not draw a new one.
    assert create_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_production_refuses_to_start_without_a_secret_key(instance):
    with pytest.raises(RuntimeError, match="No SECRET_KEY"):
        create_app()
    assert not (instance / "secret_key").exists()  # never generated outside development
    config = base_config(f"sqlite:///{instance}/x.db")
    config.update(TESTING=False, SECRET_KEY=None)
    with pytest.raises(RuntimeError, match="No SECRET_KEY"):
        create_app(config)


def test_postgres_urls_use_psycopg3():
    from survey.database import normalize_database_uri

    assert normalize_database_uri("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_uri("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_uri("sqlite:///x.db") == "sqlite:///x.db"


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_sqlite_runs_in_wal_mode_with_durable_commits(app):
    from sqlalchemy import text

    from survey.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_sqlite_busy_timeout_is_a_config_key(tmp_path):
    from sqlalchemy import text

    from survey.extensions import db

    app = create_app({**base_config(f"sqlite:///{tmp_path}/t.db"), "SQLITE_BUSY_TIMEOUT_MS": 1234})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        db.engine.dispose()


@pytest.mark.parametrize(("hops", "wrapped"), [(0, False), (1, True), (2, True)])
def test_proxy_fix_only_when_configured(tmp_path, hops, wrapped):
    from werkzeug.middleware.proxy_fix import ProxyFix

    app = create_app({**base_config(f"sqlite:///{tmp_path}/p.db"), "PROXY_FIX_X_FOR": hops})
    assert isinstance(app.wsgi_app, ProxyFix) is wrapped
    if wrapped:
        assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (hops, hops, 0)


def test_gunicorn_settings_keep_addresses_out_of_logs(monkeypatch):
    import importlib
    import multiprocessing

    import survey.gunicorn_conf as conf

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    conf = importlib.reload(conf)
    assert conf.bind == ["127.0.0.1:8000"]
    assert conf.workers == 2 * multiprocessing.cpu_count() + 1
    assert conf.preload_app is False  # each worker builds its own engine after the fork
    assert conf.forwarded_allow_ips == ""  # only the app's ProxyFix decides whom to trust
    for atom in ("%(h)s", "%(a)s", "%(f)s", "%(q)s", "%(r)s", "{x-forwarded-for}i"):
        assert atom not in conf.access_log_format
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    conf = importlib.reload(conf)
    assert (conf.workers, conf.bind) == (3, ["0.0.0.0:9000"])
    monkeypatch.delenv("WEB_CONCURRENCY")
    monkeypatch.delenv("GUNICORN_BIND")
    importlib.reload(conf)


def test_gunicorn_master_loads_the_sentiment_lexicon_before_forking_workers(monkeypatch):
    """Workers inherit the lexicon, so no resident's first comment waits for the import."""
    import survey.gunicorn_conf as conf
    from survey.sentiment import scoring

    monkeypatch.setattr(scoring, "_lexicon", None)
    conf.when_ready(server=None)
    assert scoring._lexicon is not None
    assert "good" in scoring._lexicon.words


def test_a_postgres_connection_dropped_by_the_server_does_not_fail_the_next_request(app, client):
    """A PostgreSQL restart or idle timeout kills pooled connections; the next page still works."""
    from sqlalchemy import create_engine, text

    from survey.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("only a database server can drop a pooled connection")
    with db.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
