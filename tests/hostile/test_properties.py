"""Property tests: whatever a form contains, no 500 and no partial row; export cells are safe."""

import codecs
import csv
import io
import math
import secrets
import unicodedata
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import event as event_label
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from survey.export.bundle import export_to_file
from survey.export.csvsafe import safe_row
from survey.export.filters import ExportFilters
from survey.extensions import db
from survey.responses.forms import clean_text
from survey.responses.models import Answer, Response
from survey.responses.services import Outcome, record_response
from tests.conftest import fetch_form
from tests.export.conftest import read_bundle

# Bounded so the suite stays quick: a fixed number of examples, each with a deadline far
# above its usual time (tens of milliseconds) so only a real hang or blow-up trips it, and
# no "explain" phase (it re-runs a failing case a hundred times). The app and its database
# are built once per test and shared by its examples on purpose.
BOUNDED_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    phases=BOUNDED_PHASES,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character a browser can send (surrogates cannot be encoded as UTF-8 at all).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
answer_values = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "5", "", "yes", "no", "0", "6", "3.5", "NaN"]),
    any_text,
    st.text(st.sampled_from("x\u200b =+-\U0001f600\u05d0"), min_size=990, max_size=1010),
)


def response_and_answer_counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Response.id))),
        db.session.scalar(select(func.count(Answer.id))),
    )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_no_form_ever_causes_a_500_or_a_partial_row(app, event, data):
    phase = data.draw(st.sampled_from(["before", "after"]))
    questions = [q for q in event.question_set.questions if q.asked_in(phase)]
    fields = [f"q{q.id}" for q in questions]
    phone = app.test_client()
    url = f"/s/{event.token}/{phase}"
    hidden = fetch_form(phone, url)

    form = MultiDict()
    if data.draw(st.booleans()):  # start from a complete, valid answer sheet half the time
        for question in questions:
            form.add(f"q{question.id}", "yes" if question.kind == "yesno" else "3")
    names = st.one_of(st.sampled_from(fields), any_text)
    for name, values in data.draw(
        st.dictionaries(names, st.lists(answer_values, min_size=1, max_size=2), max_size=8)
    ).items():
        form.setlist(name, values)
    for name in ("csrf_token", "submission_id"):
        if data.draw(st.integers(0, 9)) > 0:  # usually the genuine value, sometimes not
            form.setlist(name, [hidden[name]])
        else:
            form.setlist(name, data.draw(st.lists(any_text, max_size=2)))

    before = response_and_answer_counts()
    body = urlencode(list(form.items(multi=True))).encode()
    response = phone.post(url, data=body, content_type="application/x-www-form-urlencoded")
    after = response_and_answer_counts()

    event_label(f"status {response.status_code}")
    assert response.status_code in (303, 400, 413, 422), response.status_code
    if response.status_code != 303:
        assert after == before
        return
    # Stored: one whole response, every closed item as a row, each non-empty comment a row.
    texts = [q for q in questions if q.kind == "text"]
    expected = len(questions) - len(texts)
    expected += sum(1 for q in texts if clean_text(form.get(f"q{q.id}", "")))
    assert after == (before[0] + 1, before[1] + expected)


# The export writer: safe cells through csv.writer and back through csv.reader. ---------------

TRIGGERS = set("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def starts_a_formula(cell: str) -> bool:
    """Tell whether a spreadsheet could read the cell as a formula (blanks skipped first)."""
    for char in cell:
        if char in TRIGGERS:
            return True
        if not (char.isspace() or unicodedata.category(char) == "Cf"):
            return False
    return False


# Database text never holds NUL (refused at input), so the export never sees one.
cell_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
cells = st.one_of(
    cell_text,
    st.sampled_from(["=1+1", "-0.4", "+1", "@SUM(A1)", "\t=x", " =x", "\u200b=x", "\u202e=x"]),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-1000, max_value=1000),
)


@settings(max_examples=100, deadline=timedelta(seconds=1), phases=BOUNDED_PHASES, database=None)
@given(row=st.lists(cells, max_size=8))
def test_export_cells_survive_csv_round_trip_and_never_start_a_formula(row):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow(safe_row(row))
    buffer.seek(0)
    (read,) = list(csv.reader(buffer)) or [[]]
    assert len(read) == len(row)
    for original, cell in zip(row, read, strict=True):
        if original is None or (isinstance(original, float) and not math.isfinite(original)):
            assert cell == ""
        elif isinstance(original, bool):
            assert cell == str(int(original))
        elif isinstance(original, int):
            assert int(cell) == original  # numbers unchanged, negative ones included
        elif isinstance(original, float):
            assert float(cell) == original
        elif isinstance(original, Decimal):
            assert Decimal(cell) == original
        else:
            assert not starts_a_formula(cell), (original, cell)
            assert not BIDI & set(cell)
            cleaned = "".join(char for char in original if char not in BIDI)
            assert cell in (cleaned, "'" + cleaned)  # only ever a quote in front


# The whole export writer: stored responses -> anonymized rows -> CSV in a zip -> back. -------

comments = st.one_of(
    cell_text,
    st.text(st.sampled_from("=+-@\t\r\n \u202e\u200bAé9😀"), max_size=12),
    st.sampled_from(
        [
            "=cmd|' /C calc'!A0",
            "-0.4",
            '\u202e=HYPERLINK("http://x")',
            "Terrible, awful, worst night",
            "Wonderful, kind officers",
            "call 555-123-4567 or a@b.org",
        ]
    ),
)


def stored_after_responses(event: Any) -> tuple[list[float], int]:
    """Return the stored sentiments (not NULL) and the number of stored comments."""
    sentiments = db.session.scalars(
        select(Response.sentiment).where(Response.sentiment.is_not(None))
    ).all()
    comment_id = next(q.id for q in event.question_set.questions if q.code == "COMMENT")
    comment_count = db.session.scalar(
        select(func.count(Answer.id)).where(Answer.question_id == comment_id)
    )
    return list(sentiments), comment_count


@settings(
    max_examples=15,
    deadline=timedelta(seconds=10),
    phases=BOUNDED_PHASES,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(typed=st.lists(comments, min_size=5, max_size=8), with_comments=st.booleans())
def test_the_export_writer_keeps_every_row_and_no_cell_can_run(
    app, event, tmp_path, typed, with_comments
):
    """Whatever residents typed, the bundle has one row per response, safe text, true numbers.

    Each example adds at least k = 5 responses at the one event, so k-anonymity generalizes
    nothing away and every stored response must come out as exactly one row.
    """
    questions = [q for q in event.question_set.questions if q.asked_in("after")]
    for comment in typed:
        answers: dict[int, Any] = {}
        for question in questions:
            if question.kind == "agree5":
                answers[question.id] = 4.0
            elif question.kind == "yesno":
                answers[question.id] = 1.0
            elif clean_text(comment):  # what the form keeps: blank comments are no answer
                answers[question.id] = clean_text(comment)
        outcome = record_response(
            event=event,
            phase="after",
            language="en",
            channel="kiosk",
            pair_key=None,
            submission_id=secrets.token_hex(16),
            questions=questions,
            answers=answers,
        )
        assert outcome is Outcome.STORED
    sentiments, comment_count = stored_after_responses(event)

    path = tmp_path / f"export-{secrets.token_hex(4)}.zip"
    export_to_file(event.department, ExportFilters(with_comments=with_comments), 5, path)
    bundle = read_bundle(path.read_bytes())

    assert bundle.raw["responses.csv"].startswith(codecs.BOM_UTF8)
    assert len(bundle.rows) == db.session.scalar(select(func.count(Response.id)))
    ids = bundle.column("response_id")
    assert len(set(ids)) == len(ids)
    exported = sorted(float(cell) for cell in bundle.column("sentiment") if cell)
    assert exported == sorted(sentiments)  # negative scores included, never quoted
    if with_comments:
        assert len([cell for cell in bundle.column("COMMENT") if cell]) == comment_count
    else:
        assert "COMMENT" not in bundle.header  # free text only when asked for
    types = bundle.types()
    assert not [name for name in bundle.header if starts_a_formula(name)]
    for row in bundle.rows:
        for name, cell in row.items():
            if types[name] in ("integer", "number") and cell:
                float(cell)  # a number written as a number: -0.4 stays -0.4
            else:
                assert not starts_a_formula(cell), (name, cell)
            assert not BIDI & set(cell), (name, cell)
