"""The numbers behind each chart, as one Table that the page, the CSV and the figure share.

A chart's CSV must say exactly what the page says, so numbers are rounded once, here, and
the page prints the same Python values that the CSV writer writes (``str`` of an int or a
float in both). Groups too small to show are kept apart as ``suppressed`` labels: the page
lists them, the CSV writes them as rows with empty numbers and the suppression note (one
note for all, or one each in ``suppressed_notes`` when they are left out for different
reasons).
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from survey.export.csvsafe import safe_row

CellValue = str | int | float | None
ColumnKind = Literal["text", "count", "number", "low", "high", "note"]


def rounded(value: float | None, digits: int) -> float | None:
    """Return ``value`` rounded for display, None kept; -0.0 becomes 0.0 so it prints "0.0"."""
    return None if value is None else round(value, digits) + 0.0


def cell_text(value: CellValue) -> str:
    """Return a cell as the page prints it: the same text the CSV writer produces."""
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its CSV header, how the page shows it, and its page header.

    A "low" column is followed by its "high" column; the page merges the two into one
    "95% CI" cell reading "low – high", the CSV keeps two plain numbers.
    """

    name: str
    kind: ColumnKind = "text"
    label: str | None = None

    @property
    def heading(self) -> str:
        """The page's column header."""
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class Table:
    """A chart's numbers: rows shown, groups suppressed, and the note that explains them."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    suppressed: tuple[tuple[str, ...], ...] = ()
    suppression_label: str = ""
    suppressed_notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse rows or suppressed labels that do not fit the columns."""
        width = len(self.columns)
        if any(len(row) != width for row in self.rows):
            raise ValueError(f"every row of table {self.key!r} needs {width} cells")
        if self.suppressed and self.columns[-1].kind != "note":
            raise ValueError("a table with suppressed groups needs a final note column")
        if any(len(labels) >= width for labels in self.suppressed):
            raise ValueError("suppressed labels must leave room for numbers and the note")
        if self.suppressed_notes and len(self.suppressed_notes) != len(self.suppressed):
            raise ValueError("suppressed_notes needs one note per suppressed group")

    @property
    def hidden(self) -> list[tuple[tuple[str, ...], str]]:
        """Return each suppressed group's labels with the note that says why it is not shown."""
        notes = self.suppressed_notes or (self.suppression_label,) * len(self.suppressed)
        return list(zip(self.suppressed, notes, strict=True))

    @property
    def one_reason(self) -> bool:
        """Whether every suppressed group has the common note, which the page says once."""
        return all(note == self.suppression_label for _labels, note in self.hidden)

    @property
    def shows_notes(self) -> bool:
        """Whether any shown row has a note; the page hides an empty note column."""
        return self.columns[-1].kind == "note" and any(row[-1] for row in self.rows)

    def page_columns(self) -> list[tuple[int, Column]]:
        """Return (index, column) of the columns the page shows as cells of their own."""
        return [
            (index, column)
            for index, column in enumerate(self.columns)
            if column.kind != "high" and not (column.kind == "note" and not self.shows_notes)
        ]

    def csv_rows(self) -> Iterator[list[CellValue]]:
        """Yield the header, the shown rows, then one row per suppressed group."""
        yield [column.name for column in self.columns]
        for row in self.rows:
            yield list(row)
        width = len(self.columns)
        for labels, note in self.hidden:
            yield [*labels, *([None] * (width - len(labels) - 1)), note]


def csv_bytes(table: Table) -> bytes:
    """Return the table as UTF-8 CSV with a byte-order mark, so Excel reads accents right.

    Every cell goes through the export's formula guard: event and area names are staff
    input and must not run as formulas in a spreadsheet; numbers are written unchanged.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in table.csv_rows():
        writer.writerow(safe_row(row))
    return buffer.getvalue().encode("utf-8-sig")
