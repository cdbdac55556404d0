"""Helpers for the report and trends tests: responses with chosen answers, pages parsed back.

Responses are stored with the real `record_response` (the function the survey form calls),
so indices and sentiment are computed exactly as for a resident; tests choose every answer,
which lets them compute the expected statistics by hand or with scipy.
"""

import csv
import io
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import pytest

from survey.responses.services import Outcome, record_response

ITEMS = ("SAFE", "TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT")
TRUST_ITEMS = ("TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT")


@pytest.fixture
def respond(app: Any) -> Callable[..., None]:
    """Store one response: `respond(event, "before", {"TRUST": 4, ...}, phone="p1")`.

    `phone` names the pairing cookie: the same phone at the same event pairs its before and
    after answers; no phone means a kiosk response (never paired). Numbers are answers to
    numeric items (None: prefer not to say), strings are comments.
    """

    def store(
        event: Any,
        phase: str,
        answers: dict[str, float | str | None],
        phone: str | None = None,
        language: str = "en",
    ) -> None:
        questions = [q for q in event.question_set.questions if q.asked_in(phase)]
        by_code = {q.code: q for q in questions}
        values = {}
        for code, value in answers.items():
            values[by_code[code].id] = float(value) if isinstance(value, int) else value
        outcome = record_response(
            event=event,
            phase=phase,
            language=language,
            channel="qr" if phone else "kiosk",
            pair_key=f"{event.id}-{phone}" if phone else None,
            submission_id=secrets.token_hex(16),
            questions=questions,
            answers=values,
        )
        assert outcome is Outcome.STORED

    return store


def agree(level: int, **overrides: float | str | None) -> dict[str, float | str | None]:
    """Return answers giving every agreement item `level`, then the overrides."""
    return {**dict.fromkeys(ITEMS, level), **overrides}


def parse_csv(body: bytes) -> list[list[str]]:
    """Read a downloaded CSV (UTF-8 with BOM) into rows of strings."""
    assert body.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def csv_records(body: bytes) -> list[dict[str, str]]:
    """Read a downloaded CSV into one dict per row, keyed by the header."""
    header, *rows = parse_csv(body)
    return [dict(zip(header, row, strict=True)) for row in rows]


FIGURE_RE = re.compile(
    r'<script type="application/json" id="figure-([\w-]+)">(.*?)</script>', re.S
)


def page_figures(html: str) -> dict[str, dict[str, Any]]:
    """Return every figure embedded in a page, keyed by chart name."""
    return {key: json.loads(body) for key, body in FIGURE_RE.findall(html)}


def validated(figure: dict[str, Any]) -> dict[str, Any]:
    """Return the figure after plotly's schema accepted every property of it.

    Building a graph object raises ValueError on any unknown property or invalid value; the
    pages skip that cost and send their hand-built JSON as it is.
    """
    go.Figure(data=figure["data"], layout=figure["layout"])
    return figure


TABLE_RE = re.compile(r'<table class="numbers" data-table="([\w-]+)">(.*?)</table>', re.S)
ROW_RE = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL_RE = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """Return the body rows of every numbers table of a page, cells as the page shows them."""
    from html import unescape

    tables = {}
    for key, body in TABLE_RE.findall(html):
        tbody = body.split("<tbody>", 1)[1]
        tables[key] = [
            [unescape(cell).strip() for cell in CELL_RE.findall(row)]
            for row in ROW_RE.findall(tbody)
        ]
    return tables


def page_cells(csv_row: list[str], columns: list[str]) -> list[str]:
    """Return a CSV row as the page prints it: CI low and high merged, empty notes dropped."""
    cells = []
    skip = False
    for index, (name, value) in enumerate(zip(columns, csv_row, strict=True)):
        if skip:
            skip = False
            continue
        if "CI low" in name:
            high = csv_row[index + 1]
            cells.append(f"{value} – {high}" if value else "")
            skip = True
        else:
            cells.append(value)
    return cells


def shown_page_rows(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """Return a trend CSV's shown rows (those with an n) as the page's table prints them.

    The page shows the note column only when some shown row has a note (a month that
    leaves out small events); rows without an n are the left-out groups listed under it.
    """
    shown = [row for row in rows if row[header.index("n")]]
    with_notes = any(row[-1] for row in shown)
    return [page_cells(row, header)[: None if with_notes else -1] for row in shown]
