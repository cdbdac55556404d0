"""A bundle safe to open: formulas neutralized, bidi removed, text scrubbed, numbers kept."""

import io

import pandas as pd
import pytest

from survey.events.questionsets import create_question_set
from tests.export.conftest import likert

COMMENTS = [
    # (what a resident typed, what the researcher's CSV cell holds)
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1 555 0100 and more", "[PHONE] and more"),
    ("@SUM(A1:A9) great event", "'@SUM(A1:A9) great event"),
    ('\u202e=HYPERLINK("http://evil.example")', '\'=HYPERLINK("[URL]")'),
    (
        "Officer Smith was kind. Call me at 555-123-4567 or maria.lopez@example.com",
        "Officer [NAME] was kind. Call me at [PHONE] or [EMAIL]",
    ),
    (
        "Me llamo Carmen Ruiz, vivo en Calle Mayor 12. Mi cel: 55 1234 5678",
        "Me llamo [NAME], vivo en [ADDRESS]. Mi cel: [PHONE]",
    ),
    ("See https://example.com/report and 1420 Maple Street Apt 3", "See [URL] and [ADDRESS]"),
]


@pytest.fixture
def hostile(make_department, make_event, add_responses):
    """Events whose area and question set names are formulas, and comments that attack."""
    department = make_department(areas=["=1+1"])
    question_set = create_question_set(department, "@SUM(A1) set")
    event = make_event(department, area="=1+1", question_set=question_set)
    specs = []
    for comment, _ in COMMENTS:
        specs.append(
            {"phase": "after", "sentiment": -0.4, "answers": {**likert(2.0), "COMMENT": comment}}
        )
    specs += [{"phase": "after", "sentiment": 0.25, "answers": likert(4.0)} for _ in range(3)]
    add_responses(event, specs)
    return department


def test_comments_are_scrubbed_and_neutralized(hostile, export_cli):
    bundle = export_cli(hostile.slug, "--with-comments")

    cells = {row["COMMENT"] for row in bundle.rows if row["COMMENT"]}
    assert cells == {expected for _, expected in COMMENTS}
    for cell in cells:
        assert cell[0] not in "=+-@\t\r", cell
        assert "\u202e" not in cell
        assert "Smith" not in cell
        assert "Carmen" not in cell
        assert "maria" not in cell
        assert "555-123-4567" not in cell
        assert "example.com" not in cell


def test_quasi_identifier_and_header_cells_are_neutralized_too(hostile, export_cli):
    bundle = export_cli(hostile.slug)

    assert set(bundle.column("area")) == {"'=1+1"}
    assert set(bundle.column("question_set")) == {"'@SUM(A1) set v1"}
    area = next(entry for entry in bundle.codebook if entry["name"] == "area")
    assert area["values"] == "'=1+1"
    for entry in bundle.codebook:
        for value in entry.values():
            assert not value or value[0] not in "=+-@\t\r", entry
    assert all(name[0] not in "=+-@" for name in bundle.header)


def test_numbers_are_never_altered(hostile, export_cli):
    bundle = export_cli(hostile.slug)

    sentiments = bundle.column("sentiment")
    assert sentiments.count("-0.4") == len(COMMENTS)
    assert sentiments.count("0.25") == 3
    assert "'-0.4" not in sentiments
    assert set(bundle.column("trust_index")) == {"25.0", "75.0"}
    frame = pd.read_csv(io.BytesIO(bundle.raw["responses.csv"]), encoding="utf-8-sig")
    assert sorted(frame["sentiment"].unique()) == [-0.4, 0.25]


def test_free_text_is_left_out_unless_asked_for(hostile, export_cli):
    bundle = export_cli(hostile.slug)

    assert "COMMENT" not in bundle.header
    assert "CONCERN" not in bundle.header
    everything = b"".join(bundle.raw.values())
    assert b"calc" not in everything
    assert b"HYPERLINK" not in everything
    assert "Free-text answers are not included" in bundle.readme


def test_the_files_are_utf8_with_a_byte_order_mark(hostile, export_cli):
    bundle = export_cli(hostile.slug, "--with-comments")

    for name in ("responses.csv", "codebook.csv", "README.txt"):
        assert bundle.raw[name].startswith(b"\xef\xbb\xbf"), name
        bundle.raw[name].decode("utf-8")
    assert b"\r\n" in bundle.raw["responses.csv"]  # Excel's own line ends
    assert "Confío en la policía" in bundle.raw["codebook.csv"].decode("utf-8-sig")
