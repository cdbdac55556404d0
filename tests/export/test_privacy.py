"""Exports that re-identify nobody: k-anonymity, no database values, unjoinable exports."""

import itertools
import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.events.models import Event
from survey.events.questionsets import add_item, create_question_set, item_spec
from survey.extensions import db
from survey.responses.models import Response
from tests.conftest import answers_for, fetch_form
from tests.export.conftest import QI_COLUMNS, likert, qi_groups, qi_residents

K = 5
NNO_2026 = datetime(2026, 8, 4, 23, 0, tzinfo=UTC)


@pytest.fixture
def rare_area(make_department, make_event, add_responses):
    """Forty residents at Northside, twelve at Southside, and one lone resident of Hilltop."""
    department = make_department(areas=["Northside", "Southside", "Hilltop"])
    northside = make_event(department, area="Northside", starts_at=NNO_2026)
    southside = make_event(
        department,
        name="Town hall",
        kind="town-hall",
        area="Southside",
        starts_at=datetime(2026, 3, 10, 23, 0, tzinfo=UTC),
    )
    hilltop = make_event(department, name="NNO Hilltop", area="Hilltop", starts_at=NNO_2026)
    specs = []
    for i in range(20):
        language = "es" if i % 5 == 0 else "en"
        specs.append(
            {"phase": "before", "phone": f"n{i}", "language": language, "answers": likert(3.0)}
        )
        specs.append(
            {"phase": "after", "phone": f"n{i}", "language": language, "answers": likert(4.0)}
        )
    specs.append({"phase": "before", "channel": "kiosk", "language": "es", "answers": likert(2.0)})
    add_responses(northside, specs)
    add_responses(southside, [{"phase": "before", "answers": likert(3.0)} for _ in range(12)])
    add_responses(
        hilltop,
        [
            {"phase": "before", "phone": "lone", "answers": likert(1.0)},
            {"phase": "after", "phone": "lone", "answers": likert(5.0)},
        ],
    )
    return department


def test_every_quasi_identifier_combination_has_k_rows(rare_area, export_cli):
    bundle = export_cli(rare_area.slug)

    groups = qi_groups(bundle)
    assert groups
    assert min(groups.values()) >= K, groups
    assert min(qi_residents(bundle).values()) >= K
    assert len(bundle.rows) + int(re.search(r"Rows left out.*?([\d,]+)", bundle.readme)[1]) == 55


def test_the_lone_resident_of_a_rare_area_is_not_released_with_the_area(rare_area, export_cli):
    bundle = export_cli(rare_area.slug, "--with-comments")

    for name, data in bundle.raw.items():
        assert b"Hilltop" not in data, name
    # The Northside event keeps its area, date and kind for every one of its 41 rows.
    assert bundle.column("area").count("Northside") == 41
    assert set(bundle.column("event_date")) >= {"2026-08-04"}


@pytest.fixture
def pairs_at_small_events(make_department, make_event, add_responses):
    """Residents counted, not rows: small events where some phones answered twice.

    Northside is large (twenty phones before and after, one kiosk answer). Rarefield had
    three phones answering before and after: six rows, three residents. Quietside had five
    residents answering once, Pairville five answering twice. Every resident's rows carry a
    sentiment no other resident has, so a test can count the people behind released rows
    without relying on the pair ids the export chooses to write.
    """
    department = make_department(areas=["Northside", "Rarefield", "Quietside", "Pairville"])
    resident = iter(range(1, 100))

    def person(phases, **spec):
        sentiment = next(resident) / 100
        phone = f"phone-{sentiment}"
        return [
            {"phase": phase, "phone": phone, "sentiment": sentiment, "answers": likert(), **spec}
            for phase in phases
        ]

    both = ("before", "after")
    events = {
        "Northside": [
            row for i in range(20) for row in person(both, language="es" if i % 5 == 0 else "en")
        ]
        + person(("before",), channel="kiosk", phone=None),
        "Rarefield": [row for _ in range(3) for row in person(both)],
        "Quietside": [row for _ in range(5) for row in person(("before",))],
        "Pairville": [row for _ in range(5) for row in person(both)],
    }
    days = {"Northside": 4, "Rarefield": 12, "Quietside": 20, "Pairville": 28}
    for area, specs in events.items():
        event = make_event(
            department,
            name=f"Walk in {area}",
            kind="community-walk",
            area=area,
            starts_at=datetime(2026, 8, days[area], 23, 0, tzinfo=UTC),
        )
        add_responses(event, specs)
    return department


def residents_by_sentiment(bundle) -> dict[tuple[str, ...], int]:
    """Return the true residents per released combination (a sentiment is one resident)."""
    people: dict[tuple[str, ...], set[str]] = {}
    for row in bundle.rows:
        people.setdefault(tuple(row[name] for name in QI_COLUMNS), set()).add(row["sentiment"])
    return {key: len(members) for key, members in people.items()}


def test_three_residents_who_answered_twice_are_not_released_as_six(
    pairs_at_small_events, export_cli
):
    bundle = export_cli(pairs_at_small_events.slug)

    # Six rows would pass a count of rows with k = 5; they are three people, so the walk is
    # released neither with its area nor with its event code, date or kind.
    for name, data in bundle.raw.items():
        assert b"Rarefield" not in data, name
    assert "2026-08-12" not in bundle.column("event_date")
    # Nothing else is small enough to merge with, so the six rows are left out, and said so.
    assert re.search(r"Rows left out \(no group of k residents possible\):\s+6\n", bundle.readme)
    assert len(bundle.rows) == 41 + 5 + 10


def test_five_residents_are_released_whether_they_answered_once_or_twice(
    pairs_at_small_events, export_cli
):
    bundle = export_cli(pairs_at_small_events.slug)

    for area, rows, day in (("Quietside", 5, "2026-08-20"), ("Pairville", 10, "2026-08-28")):
        released = [row for row in bundle.rows if row["area"] == area]
        assert len(released) == rows, area
        assert {row["event_date"] for row in released} == {day}
        assert len({row["event"] for row in released}) == 1
        assert released[0]["event"] != "*"
    assert bundle.column("area").count("Northside") == 41


def test_every_combination_holds_k_residents_counting_a_pair_once(
    pairs_at_small_events, export_cli
):
    bundle = export_cli(pairs_at_small_events.slug)

    assert min(residents_by_sentiment(bundle).values()) >= K
    assert min(qi_residents(bundle).values()) >= K


def test_filters_select_released_values_so_exports_cannot_be_subtracted(rare_area, export_cli):
    everything = export_cli(rare_area.slug)
    listed = export_cli(rare_area.slug, "--area", "Northside", "--area", "Southside")
    lone_area = export_cli(rare_area.slug, "--area", "Hilltop")

    assert lone_area.rows == []
    # What the area filter leaves out of "everything" is rows whose area was suppressed:
    # a group of k or more, never the lone resident on their own.
    left_out = len(everything.rows) - len(listed.rows)
    assert left_out == everything.column("area").count("*")
    assert left_out == 0 or left_out >= K


def test_rows_are_shuffled_and_ids_are_random_formats(rare_area, export_cli):
    bundle = export_cli(rare_area.slug)

    assert all(re.fullmatch(r"R[0-9a-f]{16}", value) for value in bundle.column("response_id"))
    assert all(re.fullmatch(r"(P[0-9a-f]{16})?", value) for value in bundle.column("pair_id"))
    assert all(re.fullmatch(r"E[0-9a-f]{8}|\*", value) for value in bundle.column("event"))
    phases = bundle.column("phase")
    # Inserted as before, after, before, after...: a shuffled file does not keep that rhythm.
    alternations = sum(a != b for a, b in itertools.pairwise(phases))
    assert alternations < len(phases) - 5


def test_two_exports_share_no_response_id_pair_id_or_event_code(rare_area, export_cli):
    first, second = export_cli(rare_area.slug), export_cli(rare_area.slug)

    for column in ("response_id", "pair_id", "event"):
        shared = (set(first.column(column)) & set(second.column(column))) - {"", "*"}
        assert shared == set(), column
    assert first.column("phase") != second.column("phase") or first.column(
        "trust_index"
    ) != second.column("trust_index")
    # Same data, same anonymization: only the random parts differ.
    assert sorted(qi_groups(first).values()) == sorted(qi_groups(second).values())


def test_pairs_share_an_id_within_one_export(rare_area, export_cli):
    bundle = export_cli(rare_area.slug)

    ids = [value for value in bundle.column("pair_id") if value]
    assert len(ids) == 40
    assert all(ids.count(value) == 2 for value in ids)
    for value in set(ids):
        rows = [row for row in bundle.rows if row["pair_id"] == value]
        assert sorted(row["phase"] for row in rows) == ["after", "before"]
        assert rows[0]["event"] == rows[1]["event"]


def test_a_pair_released_with_different_values_is_not_linked(
    make_department, make_event, add_responses, export_cli
):
    department = make_department()
    event = make_event(department)
    specs = []
    for i in range(10):
        for language in ("en", "es"):
            for phase in ("before", "after"):
                specs.append({"phase": phase, "phone": f"{language}{i}", "language": language})
    specs += [
        {"phase": "before", "phone": "switch", "language": "en"},
        {"phase": "after", "phone": "switch", "language": "es"},
    ]
    add_responses(event, specs)

    bundle = export_cli(department.slug)

    ids = [value for value in bundle.column("pair_id") if value]
    assert len(ids) == 40  # the twenty same-language pairs
    assert bundle.column("pair_id").count("") == 2
    assert re.search(r"Pair links withheld \(rows\):\s+2\b", bundle.readme)


def test_demographic_items_are_quasi_identifiers_and_describe_the_person(
    make_department, make_event, add_responses, export_cli
):
    department = make_department()
    question_set = create_question_set(department, "With age")
    question_set = add_item(
        question_set,
        item_spec(
            code="AGE",
            kind="choice",
            phase="before",
            required=False,
            demographic=True,
            text_en="How old are you?",
            text_es="¿Cuántos años tiene?",
            choices="under-40 | Under 40 | Menos de 40\n40-plus | 40 or older | 40 o más\n"
            "85-plus | 85 or older | 85 o más",
        ),
    )
    event = make_event(department, question_set=question_set)
    specs = []
    for i in range(12):
        age = "under-40" if i < 6 else "40-plus"
        specs.append({"phase": "before", "phone": f"p{i}", "answers": {"AGE": age}})
        specs.append({"phase": "after", "phone": f"p{i}", "answers": {}})
    specs.append({"phase": "before", "phone": "old", "answers": {"AGE": "85-plus"}})
    specs.append({"phase": "after", "phone": "old", "answers": {}})
    add_responses(event, specs)

    bundle = export_cli(department.slug)

    assert min(qi_groups(bundle, ("AGE",)).values()) >= K
    assert min(qi_residents(bundle, ("AGE",)).values()) >= K
    assert "85-plus" not in bundle.column("AGE")
    assert set(bundle.column("event")) != {"*"}  # the event stays: only the age is given up
    for value in {v for v in bundle.column("pair_id") if v}:
        ages = {row["AGE"] for row in bundle.rows if row["pair_id"] == value}
        assert len(ages) == 1
        assert "" not in ages
    entry = next(e for e in bundle.codebook if e["name"] == "AGE")
    assert entry["type"] == "categorical"
    assert "85-plus" not in entry["values"]


@pytest.fixture
def submitted(app, make_department, make_event):
    """Twelve real submissions through the resident form: six phones, before and after."""
    department = make_department()
    event = make_event(department)
    for _ in range(6):
        phone: FlaskClient = app.test_client()
        for phase in ("before", "after"):
            url = f"/s/{event.token}/{phase}"
            data = {**fetch_form(phone, url), **answers_for(event, phase)}
            assert phone.post(url, data=data).status_code in (200, 303)
    return department


def test_no_database_value_appears_anywhere_in_the_bundle(submitted, export_cli):
    bundle = export_cli(submitted.slug, "--with-comments")
    rows = db.session.execute(select(Response.id, Response.pair_key, Response.submission_id))
    ids, secrets_ = set(), []
    for response_id, key, submission_id in rows:
        ids.add(str(response_id))
        secrets_ += [key, submission_id]
    for event in db.session.scalars(select(Event)):
        ids.add(str(event.id))
        secrets_.append(event.token)
    assert len(bundle.rows) == 12
    everything = b"".join(bundle.raw.values()).decode("utf-8-sig")
    # No twelve-character piece of a pair key, submission id or event token survives.
    for value in filter(None, secrets_):
        for start in range(0, len(value) - 11, 4):
            assert value[start : start + 12] not in everything
    # No column carries database ids: the id-like columns are fresh random codes.
    for row in bundle.rows:
        for column in ("response_id", "pair_id", "event"):
            assert row[column].lstrip("RPE") not in ids
    for column in bundle.header:
        values = {row[column] for row in bundle.rows} - {""}
        assert not (len(values) > 5 and values <= ids), column


def test_quasi_identifier_columns_are_the_ones_documented(rare_area, export_cli):
    bundle = export_cli(rare_area.slug)
    assert set(QI_COLUMNS) <= set(bundle.header)
    assert "submitted_at" not in bundle.header
    assert all(re.fullmatch(r"\d{4}(-\d\d){0,2}|\*", v) for v in bundle.column("event_date"))


def test_two_demographic_items_are_pivoted_per_response_and_shared_by_a_pair(
    make_department, make_event, add_responses, export_cli
):
    department = make_department()
    question_set = create_question_set(department, "With age and tenure")
    for code, text_en, text_es, choices in (
        (
            "AGE",
            "How old are you?",
            "¿Cuántos años tiene?",
            "young | Young | Joven\nold | Old | Mayor",
        ),
        (
            "TENURE",
            "How long have you lived here?",
            "¿Cuánto tiempo lleva aquí?",
            "new | Under 5 years | Menos de 5\nlong | 5 years or more | 5 o más",
        ),
    ):
        question_set = add_item(
            question_set,
            item_spec(
                code=code,
                kind="choice",
                phase="both",
                required=False,
                demographic=True,
                text_en=text_en,
                text_es=text_es,
                choices=choices,
            ),
        )
    event = make_event(department, question_set=question_set)
    specs = []
    for i in range(24):
        age, tenure = ("young", "old")[i % 2], ("new", "long")[i // 12]
        # Both answered before; the after row answers tenure only: the pair shares both.
        specs.append(
            {
                "phase": "before",
                "phone": f"p{i}",
                "answers": {**likert(2.0), "AGE": age, "TENURE": tenure},
            }
        )
        specs.append(
            {"phase": "after", "phone": f"p{i}", "answers": {**likert(4.0), "TENURE": tenure}}
        )
    add_responses(event, specs)

    bundle = export_cli(department.slug)

    assert len(bundle.rows) == 48
    assert min(qi_groups(bundle, ("AGE", "TENURE")).values()) >= K
    assert min(qi_residents(bundle, ("AGE", "TENURE")).values()) >= K
    combos = {}
    for row in bundle.rows:
        key = (row["phase"], row["AGE"], row["TENURE"])
        combos[key] = combos.get(key, 0) + 1
    assert combos == {
        (phase, age, tenure): 6
        for phase in ("before", "after")
        for age in ("young", "old")
        for tenure in ("new", "long")
    }
    # Answers of other items are not multiplied or mixed up by the pivot.
    assert {row["TRUST"] for row in bundle.rows if row["phase"] == "before"} == {"2"}
    assert {row["TRUST"] for row in bundle.rows if row["phase"] == "after"} == {"4"}
    ids = [row["pair_id"] for row in bundle.rows]
    assert all(ids)
    assert all(ids.count(value) == 2 for value in ids)
