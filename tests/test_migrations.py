"""The migrations build the schema from nothing and match the models exactly."""

import secrets
from datetime import UTC, datetime
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import func, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from survey import create_app
from survey.events.models import Event
from survey.extensions import db
from survey.responses.models import Answer, Response
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


def _counts() -> tuple[int, int, int]:
    with db.engine.connect() as conn:
        return (
            conn.scalar(text("SELECT count(*) FROM responses")),
            conn.scalar(text("SELECT count(*) FROM answers")),
            conn.scalar(text("SELECT count(*) FROM answers WHERE value_text IS NOT NULL")),
        )


def test_the_question_set_keys_migrate_demo_data_down_and_up_losing_nothing(runner):
    """The SQLite table rebuilds must copy every row, never cascade-delete the answers."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    before = _counts()
    assert before[0] > 20_000
    db.session.remove()
    down = runner.invoke(args=["db", "downgrade", "b844a3ddcd1e"])
    assert down.exit_code == 0, down.output
    assert "question_set_id" not in {c["name"] for c in inspect(db.engine).get_columns("answers")}
    assert _counts() == before
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert _counts() == before
    with db.engine.connect() as conn:
        # Filled in from each row's event and response, and agreeing with each question.
        mismatched = conn.scalar(
            text(
                "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id "
                "JOIN events e ON e.id = r.event_id JOIN questions q ON q.id = a.question_id "
                "WHERE a.question_set_id <> r.question_set_id "
                "OR r.question_set_id <> e.question_set_id "
                "OR q.question_set_id <> e.question_set_id"
            )
        )
        assert mismatched == 0
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output


def _refused(statement: Any, values: dict[str, Any]) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(statement, values)
    except IntegrityError:
        return True
    return False


def test_the_database_refuses_to_mix_question_sets(make_event, make_department):
    """Whatever code writes the rows: answers, responses and events keep to one set."""
    ours, theirs = make_event(), make_event(make_department())
    our_question = ours.question_set.questions[0]
    their_question = theirs.question_set.questions[0]
    db.session.commit()
    response = {
        "event_id": ours.id,
        "question_set_id": ours.question_set_id,
        "phase": "before",
        "language": "en",
        "channel": "kiosk",
        "submitted_at": datetime.now(UTC),
        "submission_id": secrets.token_hex(16),
    }
    # A response under another set than its event's.
    wrong = {**response, "question_set_id": theirs.question_set_id}
    assert _refused(insert(Response), wrong)
    with db.engine.begin() as conn:
        response_id = conn.execute(insert(Response).returning(Response.id), response).scalar_one()
    answer = {"response_id": response_id, "value_num": 4.0}
    # Another set's question, whichever set the answer claims.
    for claimed in (ours.question_set_id, theirs.question_set_id):
        assert _refused(
            insert(Answer),
            {**answer, "question_id": their_question.id, "question_set_id": claimed},
        )
    ok = {**answer, "question_id": our_question.id, "question_set_id": ours.question_set_id}
    assert not _refused(insert(Answer), ok)
    # An event of one department on another department's question set.
    assert _refused(
        update(Event).where(Event.id == ours.id),
        {"question_set_id": theirs.question_set_id},
    )
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Answer)) == 1
        assert conn.scalar(select(Event.question_set_id).where(Event.id == ours.id)) == (
            ours.question_set_id
        )
