"""The floor: the least a survey server can do, to measure Community Pulse against.

A minimal Flask app that renders a plain 8-question form and, on POST, validates the 8 fields
and inserts one row with SQLAlchemy. It runs under the same gunicorn settings and the same
SQLite settings (WAL, synchronous=FULL, busy_timeout) as the real app, or on PostgreSQL, so
the ratio between the two is the cost of everything Community Pulse adds: CSRF, pairing,
translations, versioned questions, answers as rows, indices and sentiment.

    FLOOR_DATABASE_URL=sqlite:////tmp/floor.db gunicorn -w 2 bench.floor_app:app
"""

import os
import secrets
from typing import Any

from flask import Flask, redirect, render_template, request
from jinja2 import DictLoader
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
)
from werkzeug.wrappers import Response

metadata = MetaData()
floor_responses = Table(
    "floor_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", String(32), unique=True, nullable=False),
    Column("submitted_at", DateTime, nullable=False, server_default=func.current_timestamp()),
    *(Column(f"q{i}", Integer) for i in range(1, 8)),
    Column("q8", Text),
)

QUESTIONS = [
    ("q1", "I feel safe in my neighborhood."),
    ("q2", "I trust the police in my neighborhood."),
    ("q3", "The police in my neighborhood treat residents with respect."),
    ("q4", "The police in my neighborhood listen to the concerns of residents."),
    ("q5", "The police in my neighborhood make fair and impartial decisions."),
    ("q6", "I would feel comfortable contacting the police if I needed help."),
]
AGREE = ["1", "2", "3", "4", "5"]

FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Survey</title></head><body>
<form method="post">
<input type="hidden" name="submission_id" value="{{ submission_id }}">
{% for name, text in questions %}<fieldset><legend>{{ text }}</legend>
{% for value in agree -%}
<label><input type="radio" name="{{ name }}" value="{{ value }}"> {{ value }}</label>
{% endfor %}<label><input type="radio" name="{{ name }}" value=""> Prefer not to say</label>
</fieldset>
{% endfor %}<fieldset><legend>Did you talk with a police officer at this event?</legend>
<label><input type="radio" name="q7" value="yes"> Yes</label>
<label><input type="radio" name="q7" value="no"> No</label></fieldset>
<label for="q8">Anything else?</label><textarea id="q8" name="q8"></textarea>
<button type="submit">Submit</button>
</form></body></html>
"""


def make_engine(url: str) -> Engine:
    """Return an engine with the real app's SQLite durability settings, or plain PostgreSQL."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    return engine


def create_schema(url: str) -> None:
    """Create the floor's one table; the benchmark calls this before starting gunicorn."""
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def validate(form: Any) -> dict[str, object] | None:
    """Return the row to insert, or None when any of the 8 fields is not an allowed value."""
    row: dict[str, object] = {}
    for name, _text in QUESTIONS:
        value = form.get(name)
        if value is None or (value and value not in AGREE):
            return None
        row[name] = int(value) if value else None
    if form.get("q7") not in ("yes", "no"):
        return None
    row["q7"] = 1 if form["q7"] == "yes" else 0
    comment = form.get("q8", "").strip()
    if len(comment) > 1000:
        return None
    row["q8"] = comment or None
    submission_id = form.get("submission_id", "")
    if len(submission_id) != 32:
        return None
    row["submission_id"] = submission_id
    return row


def create_floor_app(url: str) -> Flask:
    """Build the floor app on the database at `url`."""
    app = Flask(__name__)
    # A loaded template is compiled once and cached, as the real app's templates are.
    app.jinja_loader = DictLoader({"form.html": FORM})
    engine = make_engine(url)

    @app.route("/form", methods=["GET", "POST"])
    def form() -> Response | str | tuple[str, int]:
        if request.method == "GET":
            return render_template(
                "form.html", questions=QUESTIONS, agree=AGREE, submission_id=secrets.token_hex(16)
            )
        row = validate(request.form)
        if row is None:
            return "invalid", 422
        with engine.begin() as conn:
            conn.execute(insert(floor_responses), row)
        return redirect("/thanks", 303)

    return app


app = create_floor_app(os.environ.get("FLOOR_DATABASE_URL", "sqlite:////tmp/floor.db"))
