"""Community Pulse: before/after surveys that measure what a community event does to trust."""

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, error pages, commands.

    Tests pass `test_config`, which then replaces instance/config.py and the `FLASK_*`
    environment, so a developer's local settings never leak into the suite.
    `COMMUNITY_PULSE_INSTANCE` moves the instance folder (config.py, secret_key, the SQLite
    file) out of the checkout: a deployment keeps its secrets beside its data, and a test
    server gets a folder of its own.
    """
    instance = os.environ.get("COMMUNITY_PULSE_INSTANCE")
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()) if instance else None,
        instance_relative_config=True,
    )
    app.config.from_object("survey.config")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_database(app)
    configure_secret_key(app)

    from survey import wiring

    wiring.register_extensions(app)
    wiring.register_blueprints(app)
    wiring.register_errorhandlers(app)
    wiring.register_request_hooks(app)
    wiring.register_commands(app)
    return app


def configure_database(app: Flask) -> None:
    """Default to SQLite in instance/, accept any PostgreSQL URL spelling, pre-ping PostgreSQL."""
    from survey.database import normalize_database_uri

    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path, "community-pulse.db"))
    app.config["SQLALCHEMY_DATABASE_URI"] = uri = normalize_database_uri(uri)
    if uri.startswith("postgresql"):
        # A restarted server or a proxy's idle timeout drops pooled connections; check each
        # one on checkout so a resident's submit never meets a dead socket.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("pool_pre_ping", True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_secret_key(app: Flask) -> None:
    """Load SECRET_KEY, generating it into instance/ only for local development.

    Pair keys are HMACs under this key, so every app server must share one: in production a
    missing key is an error, never a fresh random key that would silently break pairing.
    """
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path, "secret_key")
    if key_file.exists():
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    elif app.debug or app.testing:
        key_file.write_text(secrets.token_hex(32) + "\n")
        key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "No SECRET_KEY. Set FLASK_SECRET_KEY, or run `make instance/secret_key` to "
            f"generate one into {key_file}."
        )
