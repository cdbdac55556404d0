"""Export at scale: `flask export` of 1,000,000 responses against a raw csv dump of them.

Both run in their own process (os.wait4 gives each one's peak RSS, ru_maxrss) on a database
seeded with one department of 1,000,000 responses; each runs once over everything and once
over a date range of about 100,000 responses, to show whether memory grows with the rows.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import Any

from bench import procs
from bench.procs import OUT, VENV_BIN
from bench.seed import ensure_seeded


def _day_range(url: str, department_id: int, wanted: int) -> tuple[date, date, int]:
    """Return the first and last event day covering about `wanted` responses, and the count."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.starts_at, count(*) FROM events e JOIN responses r "
                "ON r.event_id = e.id WHERE e.department_id = :d "
                "GROUP BY e.id, e.starts_at ORDER BY e.starts_at"
            ),
            {"d": department_id},
        ).all()
    engine.dispose()
    total = 0
    first = _as_date(rows[0][0])
    last = first
    for starts_at, count in rows:
        if total >= wanted:
            break
        total += count
        last = _as_date(starts_at)
    return first, last, total


def _as_date(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _measure(url: str, department: dict[str, Any], days: tuple[date, date] | None) -> dict:
    """Run the export and the raw dump over the same events; return time and memory."""
    label = "all" if days is None else "range"
    zip_path = OUT / f"export-{label}.zip"
    csv_path = OUT / f"rawdump-{label}.csv"
    export_cmd = [
        str(VENV_BIN / "flask"),
        "--app",
        "wsgi",
        "export",
        "--department",
        department["slug"],
        "--output",
        str(zip_path),
    ]
    dump_cmd = [
        sys.executable,
        "-m",
        "bench.rawdump",
        url,
        str(department["id"]),
        str(csv_path),
    ]
    if days is not None:
        export_cmd += ["--from", days[0].isoformat(), "--to", days[1].isoformat()]
        dump_cmd += [days[0].isoformat(), days[1].isoformat()]
    export_s, export_rss = procs.run_measured(export_cmd, procs.flask_env(url))
    floor_s, floor_rss = procs.run_measured(dump_cmd)
    with csv_path.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    return {
        "responses": rows,
        "export_s": round(export_s, 1),
        "floor_s": round(floor_s, 1),
        "ratio": round(export_s / floor_s, 2),
        "export_rss_mb": round(export_rss, 1),
        "floor_rss_mb": round(floor_rss, 1),
        "export_zip_mb": round(zip_path.stat().st_size / 2**20, 1),
        "dump_csv_mb": round(csv_path.stat().st_size / 2**20, 1),
    }


def export_databases(admin_url: str | None) -> list[str]:
    """Return where to measure the export: SQLite and PostgreSQL, or SQLite alone without it.

    Both by default since the export streams (a million rows in about a minute): together
    they add about 6 minutes to `make bench`. BENCH_EXPORT_DATABASES=postgresql (or sqlite)
    measures one.
    """
    asked = os.environ.get("BENCH_EXPORT_DATABASES")
    if asked:
        return [name.strip() for name in asked.split(",") if name.strip()]
    return ["sqlite", "postgresql"] if admin_url else ["sqlite"]


def export_figures(admin_url: str | None, *, quick: bool) -> dict[str, Any]:
    """Seed (or reuse) one department of 1,000,000 responses and time both exports."""
    responses = 100_000 if quick else 1_000_000
    small = responses // 10
    name = f"export{responses // 1000}k"
    figures: dict[str, Any] = {
        "description": (
            f"One department with {responses:,} responses over 3 years (bench/seed.py). "
            "Export: `flask export --department bench-1 --output X.zip` (anonymized CSV, "
            "codebook, README in a zip; no free text). Raw dump: `python -m bench.rawdump` "
            "(one streaming query pivoting the answers, Python's csv.writer). The smaller "
            f"run uses `--from/--to` over the first events holding about {small:,} responses. "
            "Wall time of each process; peak RSS from wait4(). Measured on "
            f"{' and '.join(export_databases(admin_url))} (`BENCH_EXPORT_DATABASES` picks "
            "one)."
        )
    }
    for database in export_databases(admin_url):
        try:
            url, plan = ensure_seeded(database, name, 1, responses, admin_url)
            department = plan["departments"][0]
            first, last, _n = _day_range(url, department["id"], small)
            runs = [
                _measure(url, department, (first, last)),
                _measure(url, department, None),
            ]
            figures[database] = {
                "seed_seconds": plan["seconds"],
                "seed_reused": plan["reused"],
                "runs": runs,
            }
        except Exception as error:
            figures[database] = {"error": f"{type(error).__name__}: {error}"}
    return figures
