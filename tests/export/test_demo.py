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
from survey.dashboard.queries import item_sums, phase_sums
from survey.dashboard.report import INDEX_DIGITS, ITEM_DIGITS
from survey.dashboard.services import event_report
from survey.dashboard.tables import Table
from survey.events.models import Department, Event
from survey.export.codebook import PHASE_NOTES
from survey.export.services import local_day
from survey.extensions import db
from survey.responses.models import Response
from tests.conftest import base_config
from tests.export.conftest import (
    Bundle,
    assert_matches_codebook,
    qi_groups,
    qi_residents,
    read_bundle,
)

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


def test_every_quasi_identifier_combination_has_at_least_k_residents(exports, demo_app):
    k = demo_app.config["EXPORT_K"]
    for bundle in exports:
        groups = qi_groups(bundle)
        assert min(groups.values()) >= k
        assert min(qi_residents(bundle).values()) >= k
        total = db.session.scalar(
            select(func.count())
            .select_from(Response)
            .join(Event, Event.id == Response.event_id)
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


def _intact_events(bundle: Bundle) -> dict[str, int]:
    """Map the export's codes of events released whole to database events, for this test only.

    The export has no ids, so events are matched by what it does show: day, area, kind and
    the number of before and after rows (two demo events share a day, area and kind). An
    event whose code was suppressed, or that lost rows to k-anonymity, matches nothing and
    is left out: its export means are not the report's means, by design.
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
    codes = {}
    for row in bundle.rows:
        key = (
            row["event_date"],
            row["area"],
            row["event_kind"],
            exported[(row["event"], "before")],
            exported[(row["event"], "after")],
        )
        if row["event"] != "*" and key in by_values:
            codes[row["event"]] = by_values[key]
    assert len(set(codes.values())) == len(codes)
    return codes


def _shown(table: Table) -> dict[tuple[str, str], tuple[int | None, float | None]]:
    """Return the report table's (n, mean) per (measure code, phase), as the page shows them.

    A measure is "Trust index", "Safety index" or "TRUST: <wording>"; its code is the
    export column it describes. None means the page shows nothing (not asked, or too few).
    """
    columns = [column.name for column in table.columns]
    at = {name: columns.index(name) for name in ("Measure", "Before n", "Before mean")}
    at |= {name: columns.index(name) for name in ("After n", "After mean")}
    shown = {}
    for row in table.rows:
        measure = row[at["Measure"]]
        code = INDEX_COLUMNS.get(measure) or measure.split(":")[0]
        for phase, label in (("before", "Before"), ("after", "After")):
            shown[(code, phase)] = (row[at[f"{label} n"]], row[at[f"{label} mean"]])
    return shown


INDEX_COLUMNS = {"Trust index": "trust_index", "Safety index": "safety_index"}


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

    # Every 5-point item of the codebook, with the two indices: the report's measures.
    five_point = book.loc[book["values"] == "1 | 2 | 3 | 4 | 5", "name"].tolist()
    assert {"SAFE", "TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT"} <= set(five_point)
    measures = ["trust_index", "safety_index", *five_point]
    exported = pulse.groupby(["event", "phase"], observed=True)[measures].agg(["mean", "count"])

    # k-anonymity may generalize an event away or drop some of its rows; the export's means
    # are then not the report's, so only events the export holds whole are compared (giving
    # up a language or channel inside an event changes no mean). On the demo data that is
    # every event: each has far more than k residents.
    codes = _intact_events(bundle)
    assert len(codes) == 24
    min_group_size = demo_app.config["MIN_GROUP_SIZE"]
    compared = defaultdict(int)
    for code, event_id in codes.items():
        event = db.session.get(Event, event_id)
        report = event_report(event, min_group_size)
        shown = _shown(report.charts["indices"].table) | _shown(report.charts["items"].table)
        exact = {  # the report's unrounded sums, to check the export to the last digit
            (INDEX_COLUMNS[label], row.phase): getattr(row, attribute)
            for row in phase_sums(event_id)
            for attribute, label in (("trust", "Trust index"), ("safety", "Safety index"))
        } | {(row.code, row.phase): row.sums for row in item_sums(event_id)}
        for measure in measures:
            digits = INDEX_DIGITS if measure in INDEX_COLUMNS.values() else ITEM_DIGITS
            for phase in ("before", "after"):
                mean, count = exported.loc[(code, phase), measure]
                sums = exact.get((measure, phase))
                n, shown_mean = shown.get((measure, phase), (None, None))
                if n is None:
                    # Not on the page: not asked in this phase, or too few answers to show.
                    assert count == (sums.n if sums else 0)
                    assert count < min_group_size, (event_id, measure, phase)
                    continue
                assert count == n == sums.n, (event_id, measure, phase)
                assert mean == pytest.approx(sums.total / sums.n, abs=1e-9)
                # The page rounds; the export's exact mean must round to what it shows.
                assert abs(mean - shown_mean) <= 0.5 * 10**-digits + 1e-9
                compared[measure] += 1
    # Every measure compared at every event in each phase the codebook says it is asked.
    notes = dict(zip(book["name"], book["notes"], strict=True))
    one_phase = (PHASE_NOTES["before"], PHASE_NOTES["after"])
    phases = {m: 1 if notes[m].startswith(one_phase) else 2 for m in five_point}
    assert phases["EVENT"] == 1
    assert compared == dict.fromkeys(INDEX_COLUMNS.values(), 2 * len(codes)) | {
        measure: asked * len(codes) for measure, asked in phases.items()
    }
