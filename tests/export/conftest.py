"""Fixtures for exports: bulk-inserted responses, a demo database per backend, bundle reading.

The demo data (about 20,000 responses) takes seconds to load, so it is loaded once per
module and backend and tests only read it (exports add log rows, which nothing else counts).
"""

import csv
import io
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert

from survey import create_app
from survey.extensions import db
from survey.responses.models import Answer, Response
from survey.responses.pairing import pair_key
from survey.responses.services import indices
from tests.conftest import SECRET, _empty_postgres, base_config

QI_COLUMNS = ("event", "area", "event_date", "event_kind", "question_set", "language", "channel")


@dataclass
class Bundle:
    """An export zip, read back the way a researcher's tools would read it."""

    names: list[str]
    raw: dict[str, bytes]
    header: list[str]
    rows: list[dict[str, str]]
    codebook: list[dict[str, str]]
    readme: str

    def column(self, name: str) -> list[str]:
        return [row[name] for row in self.rows]

    def types(self) -> dict[str, str]:
        return {entry["name"]: entry["type"] for entry in self.codebook}


def read_bundle(data: bytes) -> Bundle:
    archive = zipfile.ZipFile(io.BytesIO(data))
    raw = {name: archive.read(name) for name in archive.namelist()}
    text = raw["responses.csv"].decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    book = list(csv.DictReader(io.StringIO(raw["codebook.csv"].decode("utf-8-sig"), newline="")))
    return Bundle(
        names=archive.namelist(),
        raw=raw,
        header=header,
        rows=rows,
        codebook=book,
        readme=raw["README.txt"].decode("utf-8-sig"),
    )


def qi_groups(bundle: Bundle, extra: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Return the number of rows per released quasi-identifier combination of the CSV."""
    groups: dict[tuple[str, ...], int] = {}
    for row in bundle.rows:
        key = tuple(row[name] for name in (*QI_COLUMNS, *extra))
        groups[key] = groups.get(key, 0) + 1
    return groups


def qi_residents(bundle: Bundle, extra: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Return the residents per released combination as a reader of the CSV counts them.

    Rows sharing a pair_id are one resident; a row without one is a resident of its own.
    """
    people: dict[tuple[str, ...], set[str]] = {}
    for n, row in enumerate(bundle.rows):
        key = tuple(row[name] for name in (*QI_COLUMNS, *extra))
        people.setdefault(key, set()).add(row["pair_id"] or f"row {n}")
    return {key: len(members) for key, members in people.items()}


@pytest.fixture
def export_cli(app: Flask, tmp_path: Path) -> Callable[..., Bundle]:
    """Run `flask export` for a department and return the bundle it wrote."""
    counter = iter(range(1000))

    def run(slug: str, *args: str) -> Bundle:
        output = tmp_path / f"export-{next(counter)}.zip"
        result = app.test_cli_runner().invoke(
            args=["export", "--department", slug, "--output", str(output), *args]
        )
        assert result.exit_code == 0, result.output
        return read_bundle(output.read_bytes())

    return run


@pytest.fixture
def add_responses(app: Flask) -> Callable[..., list[int]]:
    """Insert responses in bulk, as the demo loader does, and return their ids.

    Each spec is a dict: phase, language ("en"), channel ("qr"), phone (a name: responses
    with the same phone at one event share a pair key), answers ({code: value}), sentiment.
    """

    def add(event: Any, specs: list[dict[str, Any]]) -> list[int]:
        questions = {q.code: q for q in event.question_set.questions}
        rows, answer_sets = [], []
        for spec in specs:
            answers = spec.get("answers", {})
            numeric = {code: v for code, v in answers.items() if isinstance(v, float)}
            trust, safety = indices(numeric)
            phone = spec.get("phone")
            rows.append(
                {
                    "event_id": event.id,
                    "question_set_id": event.question_set_id,
                    "phase": spec.get("phase", "before"),
                    "language": spec.get("language", "en"),
                    "channel": spec.get("channel", "qr"),
                    "submitted_at": event.starts_at + timedelta(minutes=5),
                    "pair_key": pair_key(SECRET, event.id, phone) if phone else None,
                    "submission_id": secrets.token_hex(16),
                    "trust_index": trust,
                    "safety_index": safety,
                    "sentiment": spec.get("sentiment"),
                }
            )
            answer_sets.append(answers)
        ids = list(
            db.session.scalars(
                insert(Response).returning(Response.id, sort_by_parameter_order=True), rows
            )
        )
        answer_rows = [
            {
                "response_id": response_id,
                "question_id": questions[code].id,
                "question_set_id": questions[code].question_set_id,
                "value_num": value if isinstance(value, float) else None,
                "value_text": value if isinstance(value, str) else None,
            }
            for response_id, answers in zip(ids, answer_sets, strict=True)
            for code, value in answers.items()
        ]
        if answer_rows:
            db.session.execute(insert(Answer), answer_rows)
        db.session.commit()
        return ids

    return add


def likert(value: float = 4.0) -> dict[str, float]:
    """Return answers to the six agreement items of both phases."""
    return {code: value for code in ("SAFE", "TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT")}


# The demo database, loaded once per module and backend. ----------------------------------


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
    app = create_app(base_config(url))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()
    yield url
    if request.param == "postgresql":
        _empty_postgres(url)


@pytest.fixture
def demo_app(demo_url: str) -> Iterator[Flask]:
    app = create_app(base_config(demo_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def assert_matches_codebook(bundle: Bundle) -> None:
    """Check with the csv module that every codebook column is present with its type.

    integer: every non-empty cell parses as int; number: as float; categorical: one of the
    listed values; string: anything. Missing is an empty cell in every type.
    """
    names = [entry["name"] for entry in bundle.codebook]
    assert names == bundle.header
    for entry in bundle.codebook:
        name, kind = entry["name"], entry["type"]
        allowed = set(entry["values"].split(" | ")) if entry["values"] else set()
        for value in bundle.column(name):
            if value == "":
                continue
            if kind == "integer":
                assert str(int(value)) == value, (name, value)
                if allowed:
                    assert value in allowed, (name, value)
            elif kind == "number":
                float(value)
            elif kind == "categorical":
                assert value in allowed, (name, value, allowed)
            else:
                assert kind == "string", (name, kind)
