"""The export's floor: dump a department's responses to CSV with Python's csv module.

    python -m bench.rawdump URL DEPARTMENT_ID OUTPUT.csv [FROM_DAY TO_DAY]

One row per response with its event, indices and numeric answers pivoted into columns (the
rows and columns the research export writes without free text), read with one streaming
query on the raw DBAPI connection and written as it arrives: no anonymization, no shuffle, no
codebook, no zip. The benchmark runs it in its own process to read its peak memory.
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from typing import Any

CODES = ("SAFE", "TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT", "TALKED", "EVENT")
PIVOT = ", ".join(f"max(CASE WHEN q.code = '{code}' THEN a.value_num END)" for code in CODES)
DUMP_SQL = (
    "SELECT r.id, r.event_id, e.area, e.kind, e.starts_at, r.phase, r.language, r.channel, "  # noqa: S608 - fixed SQL, values bound
    f"r.pair_key, r.trust_index, r.safety_index, r.sentiment, {PIVOT} "
    "FROM responses r JOIN events e ON e.id = r.event_id "
    "LEFT JOIN answers a ON a.response_id = r.id LEFT JOIN questions q ON q.id = a.question_id "
    "WHERE e.department_id = %(d)s AND e.starts_at >= %(start)s AND e.starts_at < %(end)s "
    "GROUP BY r.id, r.event_id, e.area, e.kind, e.starts_at, r.phase, r.language, r.channel, "
    "r.pair_key, r.trust_index, r.safety_index, r.sentiment"
)
HEADER = (
    "response_id",
    "event_id",
    "area",
    "kind",
    "event_start",
    "phase",
    "language",
    "channel",
    "pair_key",
    "trust_index",
    "safety_index",
    "sentiment",
    *(code.lower() for code in CODES),
)


def dump(url: str, department_id: int, output: str, start: date, end: date) -> int:
    """Write the rows to `output`; return how many were written."""
    params = {"d": department_id, "start": start.isoformat(), "end": end.isoformat()}
    if url.startswith("sqlite"):
        import sqlite3

        connection: Any = sqlite3.connect(url.split("///", 1)[1])
        cursor = connection.cursor()
        sql = DUMP_SQL.replace("%(d)s", ":d").replace("%(start)s", ":start")
        cursor.execute(sql.replace("%(end)s", ":end"), params)
    else:
        import psycopg

        connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        cursor = connection.cursor(name="dump")  # server-side: rows arrive in batches
        cursor.itersize = 2000
        cursor.execute(DUMP_SQL, params)
    rows = 0
    with open(output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in cursor:
            writer.writerow(row)
            rows += 1
    connection.close()
    return rows


def main() -> None:
    """Dump from the command line; prints the row count."""
    url, department_id, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    start = date.fromisoformat(sys.argv[4]) if len(sys.argv) > 4 else date(1970, 1, 1)
    end = date.fromisoformat(sys.argv[5]) + timedelta(days=1) if len(sys.argv) > 5 else None
    rows = dump(url, department_id, output, start, end or date(9999, 1, 1))
    print(rows)


if __name__ == "__main__":
    main()
