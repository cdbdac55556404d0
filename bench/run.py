"""Run every benchmark and write docs/performance.md: `make bench` or `python -m bench.run`.

    python -m bench.run                      # everything (see docs/performance.md for time)
    python -m bench.run --only resident      # one part: resident, pageweight, sentiment,
                                             # dashboards, export (comma-separated)
    python -m bench.run --quick              # shorter load runs, 100,000-row seeds

Results go to bench/out/results.json (git-ignored), the report to docs/performance.md and
the scale-out arithmetic to docs/scaling.md. The 1,000,000-response databases are cached in
bench/out/ (SQLite) or as cp_bench_* databases (PostgreSQL) and reused when present.

Needs: wrk (Debian's package; installed with apt-get when missing and running as root).
PostgreSQL parts run when BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) answers; the benchmark creates and
drops its own cp_bench_* databases there. BENCH_EXPORT_DATABASES picks where the export is
measured (default: sqlite and postgresql, or sqlite alone without PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import procs
from bench.procs import OUT, ROOT

PARTS = ("resident", "pageweight", "sentiment", "dashboards", "export")


def machine(admin_url: str | None) -> dict[str, Any]:
    """Return what the figures were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    wrk_path = shutil.which("wrk")
    wrk = (
        subprocess.run([wrk_path, "--version"], capture_output=True, text=True).stdout
        if wrk_path
        else "wrk not installed"
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": procs.postgres_version(admin_url) if admin_url else "not available",
        "wrk": wrk.split(" [")[0].strip() or "?",
        "commit": commit or "?",
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def _prioritize() -> None:
    """Ask for a higher CPU priority for this run and its children, when allowed.

    The machine may be shared (other test suites running); a negative nice value keeps the
    benchmark's own processes (gunicorn, wrk, the runner) from being the ones that wait.
    """
    try:
        os.nice(-10)
    except PermissionError:
        print("note: could not raise priority (not root); figures may be noisier")


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts, write results.json and docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    OUT.mkdir(parents=True, exist_ok=True)
    _prioritize()
    if "resident" in parts:
        from bench.resident import ensure_wrk

        ensure_wrk()  # installed before the machine's versions are recorded
    admin_url = procs.postgres_admin_url()
    results_path = OUT / "results.json"
    results: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["machine"] = machine(admin_url)
    results["command"] = " ".join(["python -m bench.run", *(argv or sys.argv[1:])])
    failed = False
    run_started = time.monotonic()
    for part in parts:
        started = time.monotonic()
        print(f"== {part}", flush=True)
        try:
            results[part] = run_part(part, admin_url, quick=args.quick)
        except Exception as error:
            traceback.print_exc()
            results[part] = {"error": f"{type(error).__name__}: {error}"}
            failed = True
        results[part]["elapsed_s"] = round(time.monotonic() - started)
        results[part]["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        results[part]["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
        print(f"   {part} done in {results[part]['elapsed_s']} s", flush=True)
        results_path.write_text(json.dumps(results, indent=1, default=str))
    results["run"] = {
        "parts": parts,
        "elapsed_s": round(time.monotonic() - run_started),
        "seeds_reused": any(
            (results.get(part) or {}).get(database, {}).get("seed_reused")
            for part in ("dashboards", "export")
            if part in parts
            for database in ("sqlite", "postgresql")
        ),
    }
    if set(parts) == set(PARTS):
        results["full_run"] = results["run"]  # what a fresh `make bench` costs
    results_path.write_text(json.dumps(results, indent=1, default=str))
    from bench.report import write_report
    from bench.scaling import write_scaling

    write_report(results, ROOT / "docs" / "performance.md")
    write_scaling(results, ROOT / "docs" / "scaling.md")
    print(f"wrote docs/performance.md, docs/scaling.md and {results_path}")
    return 1 if failed else 0


def run_part(part: str, admin_url: str | None, *, quick: bool) -> dict[str, Any]:
    """Run one part of the benchmark and return its figures."""
    if part == "resident":
        from bench.resident import throughput

        # 10 s rounds hold 300+ journeys each even on a loaded machine; CPU per journey (the
        # robust figure) settles within a few per cent, and three rounds show the spread.
        settings = {
            "rounds": 2 if quick else 3,
            "seconds": 8 if quick else 10,
            "max_journeys": 20_000,
            "connections": 4,
        }
        figures: dict[str, Any] = {"settings": settings}
        figures["sqlite"] = throughput("sqlite", **settings)
        if admin_url:
            figures["postgresql"] = throughput("postgresql", admin_url=admin_url, **settings)
        return figures
    if part == "pageweight":
        from bench.pageweight import page_weight

        return {"pages": page_weight()}
    if part == "sentiment":
        from bench.sentiment import sentiment_rates

        return sentiment_rates()
    if part == "dashboards":
        from bench.dashboards import dashboards

        return dashboards(admin_url, quick=quick)
    if part == "export":
        from bench.export import export_figures

        return export_figures(admin_url, quick=quick)
    raise ValueError(part)


if __name__ == "__main__":
    sys.exit(main())
