"""The migrations build the schema from nothing and match the models exactly."""

from flask_migrate import upgrade
from sqlalchemy import inspect

from survey import create_app
from survey.extensions import db
from tests.conftest import base_config


def test_upgrade_on_an_empty_database_then_check_is_clean(runner_for_empty):
    result = runner_for_empty.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    # `flask db check` exits non-zero when the models and the migrated schema differ.
    check = runner_for_empty.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output


def test_migrated_tables(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "departments",
        "events",
        "question_sets",
        "questions",
        "responses",
        "answers",
        "users",
    } <= tables
    columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
    assert {"pair_key", "submission_id", "submitted_at", "channel", "language", "phase"} <= columns


def test_upgrade_is_repeatable(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path}/twice.db"))
    with app.app_context():
        upgrade()
        upgrade()
        assert "responses" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_models_match_the_migrated_schema_on_every_database(runner):
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output
