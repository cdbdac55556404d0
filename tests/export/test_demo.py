"""The demo data exported as a researcher gets it: k-anonymous, unjoinable, and faithful.

The demo database is loaded once per backend; two exports of Springfield are made once and
every test reads them.
"""

import io
import itertools
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from survey import create_app
from survey.dashboard.queries import phase_sums
from survey.events.models import Department, Event
from survey.export.services import local_day
from survey.extensions import db
from survey.responses.models import Response
from tests.conftest import base_config
from tests.export.conftest import Bundle, assert_matches_codebook, qi_groups, read_bundle

SLUG = "springfield-pd"


@pytest.fixture(scope="module")
def exports(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> list[Bundle]:
    """Two exports of the same demo department, with comments, made by `flask export`."""
    app = create_app(base_config(demo_url))
    folder: Path = tmp_path_factory.mktemp("exports")
    bundles = []
    with app.app_context():
        for n in range(2):
            output = folder / f"{n}.zip"
            result = app.test_cli_runner().invoke(
                args=["export", "--department", SLUG, "--output", str(output), "--with-comments"]
            )
            assert result.exit_code == 0, result.output
            bundles.append(read_bundle(output.read_bytes()))
        db.engine.dispose()
    return bundles


def test_every_quasi_identifier_combination_has_at_least_k_rows(exports, demo_app):
    k = demo_app.config["EXPORT_K"]
    for bundle in exports:
        groups = qi_groups(bundle)
        assert min(groups.values()) >= k
        total = db.session.scalar(
            select(func.count())
            .select_from(Response)
            .join(Event)
            .join(Department)
            .where(Department.slug == SLUG)
        )
        assert len(bundle.rows) == total  # every event is large enough: nothing dropped


def test_no_id_pair_key_or_submission_id_of_the_database_is_in_the_bundle(exports, demo_app):
    everything = "".join(data.decode("utf-8-sig") for data in exports[0].raw.values())
    windows = {
        run[i : i + 12]
        for run in re.findall(r"[0-9a-f]{12,}", everything)
        for i in range(len(run) - 11)
    }
    secrets_ = db.session.execute(select(Response.pair_key, Response.submission_id)).all()
    tokens = db.session.scalars(select(Event.token)).all()
    checked = 0
    for value in [v for row in secrets_ for v in row if v] + list(tokens):
        for i in range(len(value) - 11):
            assert value[i : i + 12] not in windows
        checked += 1
    assert checked > 20_000
    ids = {str(i) for i in db.session.scalars(select(Response.id))}
    for column in ("response_id", "pair_id", "event"):
        assert not {v.lstrip("RPE") for v in exports[0].column(column)} & ids


def test_two_exports_share_no_response_or_pair_id(exports):
    first, second = exports
    for column in ("response_id", "pair_id", "event"):
        assert not (set(first.column(column)) & set(second.column(column))) - {"", "*"}
    assert len(set(first.column("response_id"))) == len(first.rows)


def test_rows_are_shuffled(exports):
    events = exports[0].column("event")
    runs = 1 + sum(a != b for a, b in itertools.pairwise(events))
    # Twenty-five events in insertion order would be 25 runs; shuffled, thousands.
    assert runs > len(events) / 2


def test_every_codebook_column_is_present_with_its_type(exports):
    assert_matches_codebook(exports[0])


def _event_ids(bundle: Bundle) -> dict[str, int]:
    """Map the export's event codes to database events, for this test only.

    The export has no ids, so events are matched by what it does show: day, area, kind and
    the number of before and after rows (two demo events share a day, area and kind).
    """
    department = db.session.scalar(select(Department).where(Department.slug == SLUG))
    sizes = defaultdict(int)
    for event_id, phase, n in db.session.execute(
        select(Response.event_id, Response.phase, func.count()).group_by(
            Response.event_id, Response.phase
        )
    ):
        sizes[(event_id, phase)] = n
    by_values = {}
    for event in db.session.scalars(select(Event).where(Event.department_id == department.id)):
        key = (
            local_day(event.starts_at, department.timezone),
            event.area,
            event.kind,
            sizes[(event.id, "before")],
            sizes[(event.id, "after")],
        )
        assert key not in by_values
        by_values[key] = event.id
    exported = defaultdict(int)
    for row in bundle.rows:
        exported[(row["event"], row["phase"])] += 1
    return {
        row["event"]: by_values[
            (
                row["event_date"],
                row["area"],
                row["event_kind"],
                exported[(row["event"], "before")],
                exported[(row["event"], "after")],
            )
        ]
        for row in bundle.rows
    }


def test_pandas_reads_the_codebook_types_and_gets_the_event_reports_means(exports, demo_app):
    bundle = exports[0]
    # Exactly the README's recipe.
    book = pd.read_csv(
        io.BytesIO(bundle.raw["codebook.csv"]), encoding="utf-8-sig", keep_default_na=False
    )
    types = {
        "integer": "Int64",
        "number": "Float64",
        "categorical": "category",
        "string": "string",
    }
    pulse = pd.read_csv(
        io.BytesIO(bundle.raw["responses.csv"]),
        encoding="utf-8-sig",
        dtype=dict(zip(book["name"], book["type"].map(types), strict=True)),
        keep_default_na=False,
        na_values=[""],
    )
    assert len(pulse) == len(bundle.rows)
    assert str(pulse["trust_index"].dtype) == "Float64"
    assert str(pulse["TRUST"].dtype) == "Int64"
    assert str(pulse["phase"].dtype) == "category"
    assert str(pulse["COMMENT"].dtype) == "string"
    assert pulse["TRUST"].dropna().between(1, 5).all()

    exported = pulse.groupby(["event", "phase"], observed=True)["trust_index"].agg(
        ["mean", "count"]
    )
    codes = _event_ids(bundle)
    sql = {
        (event_id, phase): (mean, n)
        for event_id, phase, mean, n in db.session.execute(
            select(
                Response.event_id,
                Response.phase,
                func.avg(Response.trust_index),
                func.count(Response.trust_index),
            ).group_by(Response.event_id, Response.phase)
        )
    }
    report: dict[tuple[int, str], tuple[float, int]] = {}
    for event_id in set(codes.values()):
        for row in phase_sums(event_id):
            report[(event_id, row.phase)] = (row.trust.total / row.trust.n, row.trust.n)
    compared = defaultdict(int)
    for (code, phase), (mean, count) in exported.iterrows():
        key = (codes[code], phase)
        assert count == sql[key][1] == report[key][1]
        assert mean == pytest.approx(float(sql[key][0]), abs=1e-9)
        assert mean == pytest.approx(report[key][0], abs=1e-9)
        compared[phase] += 1
    assert compared["before"] == compared["after"] == len(set(codes.values())) == 24
