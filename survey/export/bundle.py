"""Writing the bundle: rows -> anonymized cells -> CSV -> a zip streamed chunk by chunk.

The zip is written into a sink that is emptied after every batch of rows, so the bytes leave
the process (to the HTTP client or the output file) as they are made: memory holds one batch
and zlib's window, whatever the number of responses. zipfile handles a sink that cannot seek
by writing each entry's sizes after its data (a data descriptor), which every unzip accepts.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row

from survey.events.models import Department
from survey.export import queries
from survey.export.codebook import HEADER, codebook
from survey.export.csvsafe import Cell, safe_cell, safe_row, safe_text
from survey.export.filters import ExportFilters
from survey.export.kanon import SUPPRESSED
from survey.export.readme import readme
from survey.export.schema import EVENT_QIS, ROW_QIS, Item
from survey.export.scrub import scrub_text
from survey.export.services import (
    PreparedExport,
    begin_export,
    bounds_for,
    new_response_id,
    pair_id,
    pair_linked,
    row_qis,
)

ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark: Excel then reads accents correctly
FLUSH_EVERY = 500  # rows between two chunks handed to the client
ZIP64_ABOVE = 2**31  # bytes; an entry that may grow past this gets ZIP64 headers up front

(EVENT, AREA, DATE, KIND, QUESTION_SET) = range(len(EVENT_QIS))
LANGUAGE, CHANNEL = (len(EVENT_QIS) + i for i in range(len(ROW_QIS)))


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that keeps what it is given until drained."""

    def __init__(self) -> None:
        """Start empty."""
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        """Accept writes (zipfile checks)."""
        return True

    def write(self, data: Any) -> int:
        """Keep a copy of the bytes and report them all written."""
        chunk = bytes(data)
        self._chunks.append(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        """Return everything written since the last drain, and forget it."""
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def read_items(prepared: PreparedExport) -> list[Item]:
    """Return the items whose answers are read from the database.

    Demographic items are written from their *released* quasi-identifier value instead.
    """
    return [item for item in prepared.items if not item.demographic]


_DEMOGRAPHIC, _TEXT, _ANSWER = "demographic", "text", "answer"


@dataclass(frozen=True)
class _Released:
    """What every row with the same quasi-identifier inputs shares, made safe once.

    `cells` are the event code, date, kind, area, question set, language and channel as
    written; `demographics` the released demographic answers; `linked` whether the row's
    pair id may be written.
    """

    cells: tuple[Cell, ...]
    demographics: tuple[str, ...]
    linked: bool


class RowWriter:
    """Turns database rows into anonymized, spreadsheet-safe cells.

    Everything that depends only on a row's quasi-identifier inputs (its release, its
    selection, its pair link and the safe text of its released values) is worked out once
    per distinct combination and kept: there are as many as the SQL count that planned the
    release returned, whatever the number of rows, so memory stays flat while the work per
    row shrinks to a lookup, a few random ids and the answers.
    """

    def __init__(self, prepared: PreparedExport) -> None:
        """Index the demographic and the read items of the export once."""
        self.prepared = prepared
        self.with_text = prepared.filters.with_comments
        self.demographic = {item.code: i for i, item in enumerate(prepared.demographics)}
        self.read = {item.code: n for n, item in enumerate(read_items(prepared))}
        self.released: dict[tuple[object, ...], _Released | None] = {}
        self.width = 0
        self.fixed: tuple[int, ...] = ()
        # Per item column: how to fill it, and the positions (or demographic index) it reads.
        self.plan: list[tuple[str, int, int]] = []

    def _locate(self, row: Row[tuple[object, ...]]) -> None:
        """Learn the column positions from the first row (names from `response_stream`)."""
        at = {name: i for i, name in enumerate(row._fields)}
        self.width = at["phase"]  # the QI inputs come first
        names = ("pair_key", "phase", "trust_index", "safety_index", "sentiment")
        self.fixed = tuple(at[name] for name in names)
        self.plan = []
        for item in self.prepared.items:
            if item.code in self.demographic:
                self.plan.append((_DEMOGRAPHIC, self.demographic[item.code], 0))
            else:
                n = self.read[item.code]
                kind = _TEXT if item.is_text else _ANSWER
                self.plan.append((kind, at[f"i{n}_value_text"], at[f"i{n}_value_num"]))

    def _release(self, row: Row[tuple[object, ...]]) -> _Released | None:
        """Return what a row's QI inputs release, or None if such rows are not written."""
        prepared = self.prepared
        own, partner = row_qis(row, prepared.events, len(prepared.demographics))
        released = prepared.release.apply(own)
        if released is None or not prepared.selected(released):
            return None
        event = prepared.events[int(row._mapping["event_id"])]
        qis = (
            SUPPRESSED if released[EVENT] == SUPPRESSED else event.code,
            released[DATE],
            released[KIND],
            released[AREA],
            released[QUESTION_SET],
            released[LANGUAGE],
            released[CHANNEL],
        )
        demographics = tuple(released[CHANNEL + 1 :])
        return _Released(
            cells=tuple(safe_text(value) for value in qis),
            demographics=tuple(
                safe_text(scrub_text(value)) if item.is_text else safe_text(value)
                for item, value in zip(prepared.demographics, demographics, strict=True)
            ),
            linked=pair_linked(prepared.release, own, partner),
        )

    def cells(self, row: Row[tuple[object, ...]]) -> list[Cell] | None:
        """Return the safe cells of one response, or None if it is dropped or not selected.

        The event id, pair key and response id are read only to be replaced: the event by
        its per-export code, the pair key by its keyed hash, the id by a fresh random id.
        """
        if not self.width:
            self._locate(row)
        key = row[: self.width]
        if key in self.released:
            released = self.released[key]
        else:
            released = self.released[key] = self._release(row)
        if released is None:
            return None
        pair_at, phase_at, trust_at, safety_at, sentiment_at = self.fixed
        cells: list[Cell] = [
            new_response_id(),
            pair_id(self.prepared.pair_salt, str(row[pair_at])) if released.linked else "",
            safe_cell(row[phase_at]),
            *released.cells,
            safe_cell(row[trust_at]),
            safe_cell(row[safety_at]),
            safe_cell(row[sentiment_at]),
        ]
        for kind, first, second in self.plan:
            if kind is _DEMOGRAPHIC:
                cells.append(released.demographics[first])
                continue
            text = row[first]
            if kind is _TEXT:
                cells.append(safe_text(scrub_text(str(text))) if text and self.with_text else "")
            elif text is not None:
                cells.append(safe_cell(text))
            else:
                number = row[second]
                # Answers are stored as floats; a whole one is written as an integer (4).
                if type(number) is float and number.is_integer():
                    cells.append(int(number))
                else:
                    cells.append(safe_cell(number))
        return cells


def _entry(name: str, when: datetime) -> zipfile.ZipInfo:
    """Return a zip entry stamped with the export time, deflated, readable by everyone."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _text(text: str) -> bytes:
    return text.encode(ENCODING)


def _csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """Return small CSV content (the codebook) as UTF-8 with BOM, every cell made safe."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerows(safe_row(row) for row in rows)
    return _text(buffer.getvalue())


def bundle_chunks(
    prepared: PreparedExport, rows: Iterable[Row[tuple[object, ...]]]
) -> Iterator[bytes]:
    """Yield the zip (responses.csv, codebook.csv, README.txt) as it is written."""
    sink = _Sink()
    entries = codebook(prepared)
    width = len(entries)
    force_zip64 = prepared.stats.rows * width * 24 > ZIP64_ABOVE
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        raw = archive.open(
            _entry("responses.csv", prepared.created_at), mode="w", force_zip64=force_zip64
        )
        with io.TextIOWrapper(raw, encoding=ENCODING, newline="") as text:
            writer = csv.writer(text)
            writer.writerow(safe_row(entry.name for entry in entries))
            to_cells = RowWriter(prepared).cells
            pending = 0
            for row in rows:
                cells = to_cells(row)
                if cells is None:
                    continue
                writer.writerow(cells)
                pending += 1
                if pending >= FLUSH_EVERY:
                    text.flush()
                    pending = 0
                    chunk = sink.drain()
                    if chunk:
                        yield chunk
        archive.writestr(
            _entry("codebook.csv", prepared.created_at),
            _csv_bytes([HEADER, *(entry.cells() for entry in entries)]),
        )
        archive.writestr(_entry("README.txt", prepared.created_at), _text(readme(prepared)))
    yield sink.drain()


def stream_bundle(prepared: PreparedExport, conn: Connection) -> Iterator[bytes]:
    """Yield the bundle of a prepared export, reading rows from its snapshot connection.

    The connection is closed when the last chunk is out, or when the consumer stops early
    (a cancelled download closes the generator).
    """
    try:
        rows = queries.response_stream(
            conn,
            prepared.department.id,
            bounds_for(prepared),
            read_items(prepared),
            prepared.demographics,
            prepared.shuffle_salt,
        )
        yield from bundle_chunks(prepared, rows)
    finally:
        conn.close()


def write_bundle(prepared: PreparedExport, conn: Connection, path: Path) -> None:
    """Write the bundle to `path` chunk by chunk; a failed export leaves no partial file.

    The zip is written next to its destination and renamed into place at the end, so a
    reader never sees a truncated archive under the final name.
    """
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as out:
            for chunk in stream_bundle(prepared, conn):
                out.write(chunk)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def export_to_file(
    department: Department, filters: ExportFilters, k: int, path: Path
) -> PreparedExport:
    """Plan, log (as the command line) and write one export; return its plan and costs."""
    prepared, conn = begin_export(department, filters, k, None)
    write_bundle(prepared, conn, path)
    return prepared
