"""The codebook describes every column, including several question-set versions at once."""

from datetime import UTC, datetime

import pytest

from survey.events.questionsets import add_item, create_question_set, item_spec
from tests.export.conftest import assert_matches_codebook, likert


@pytest.fixture
def two_versions(make_department, make_event, add_responses):
    """Version 1 asks AGE_GROUP; version 2 adds NIGHT_SAFE (0–10) after v1 got answers."""
    department = make_department()
    first = add_item(
        create_question_set(department, "Neighbourhood survey"),
        item_spec(
            code="AGE_GROUP",
            kind="choice",
            phase="before",
            required=False,
            demographic=False,
            text_en="Your age group",
            text_es="Su grupo de edad",
            choices="young | Under 30 | Menos de 30\nolder | 30 or older | 30 o más",
        ),
    )
    early = make_event(
        department, question_set=first, starts_at=datetime(2025, 8, 5, 23, tzinfo=UTC)
    )
    add_responses(
        early,
        [{"phase": "before", "answers": {**likert(3.0), "AGE_GROUP": "young"}} for _ in range(6)],
    )
    second = add_item(
        first,
        item_spec(
            code="NIGHT_SAFE",
            kind="scale10",
            phase="both",
            required=True,
            demographic=False,
            text_en="How safe is your street at night, 0 to 10?",
            text_es="¿Qué tan segura es su calle de noche, de 0 a 10?",
        ),
    )
    assert second.version == 2
    late = make_event(department, question_set=second)
    add_responses(
        late,
        [
            {"phase": "after", "answers": {**likert(5.0), "NIGHT_SAFE": 7.0, "TALKED": 1.0}}
            for _ in range(6)
        ],
    )
    return department


def test_columns_are_the_union_of_the_versions_items(two_versions, export_cli):
    bundle = export_cli(two_versions.slug)

    assert bundle.header.index("CONTACT") < bundle.header.index("AGE_GROUP")
    assert bundle.header.index("AGE_GROUP") < bundle.header.index("NIGHT_SAFE")
    book = {entry["name"]: entry for entry in bundle.codebook}
    assert book["AGE_GROUP"]["question_sets"] == (
        "Neighbourhood survey v1; Neighbourhood survey v2"
    )
    assert book["NIGHT_SAFE"]["question_sets"] == "Neighbourhood survey v2"
    assert book["TRUST"]["question_sets"] == "Neighbourhood survey v1; Neighbourhood survey v2"
    assert book["NIGHT_SAFE"]["type"] == "integer"
    assert book["NIGHT_SAFE"]["values"] == " | ".join(str(n) for n in range(11))
    assert book["NIGHT_SAFE"]["wording_es"].startswith("¿Qué tan segura")
    assert book["AGE_GROUP"]["type"] == "categorical"
    assert book["AGE_GROUP"]["value_labels"] == "young=Under 30 | older=30 or older"
    assert book["TRUST"]["value_labels"].startswith("1=Strongly disagree | 2=Disagree")
    versions = {row["question_set"]: row for row in bundle.rows}
    assert versions["Neighbourhood survey v1"]["NIGHT_SAFE"] == ""
    assert versions["Neighbourhood survey v2"]["NIGHT_SAFE"] == "7"
    assert versions["Neighbourhood survey v1"]["AGE_GROUP"] == "young"


def test_every_codebook_column_is_present_with_its_declared_type(two_versions, export_cli):
    bundle = export_cli(two_versions.slug, "--with-comments")

    assert_matches_codebook(bundle)
    types = bundle.types()
    assert types["trust_index"] == "number"
    assert types["TRUST"] == "integer"
    assert types["COMMENT"] == "string"
    assert types["phase"] == "categorical"
    assert "k = 5" in bundle.readme


def test_the_readme_says_what_how_and_how_to_load(two_versions, export_cli):
    readme = export_cli(two_versions.slug).readme

    for needed in (
        "Community Pulse researcher export",
        "k = 5",
        "Rows written:",
        "Cells generalized or suppressed:",
        "Exported (UTC):",
        "Software:          Community Pulse 0.1.0",
        "read.csv(",
        "import delimited",
        "pd.read_csv(",
    ):
        assert needed in readme, needed
