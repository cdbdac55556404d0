"""Resident throughput: complete journeys against Community Pulse and against the floor app.

wrk (C, epoll) with bench/journey.lua drives the load from 127.0.0.1: GET the form, read
its hidden inputs and session cookie, answer every question shown, POST, expect 303. The same
script drives both servers, so the load generator's own CPU cost per journey is identical for
both; it is measured (wait4 rusage of wrk) and reported beside the servers' own CPU, which is
read from /proc for the gunicorn master and its workers (and, on PostgreSQL, the database
backends serving the benchmark's connections). Runs alternate floor, app, floor, app, ... so
that whatever else the machine does is spread over both.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import procs
from bench.procs import OUT, ROOT

LUA = ROOT / "bench" / "journey.lua"


@dataclass
class LoadRun:
    """One bounded wrk run against one server."""

    target: str
    journeys: int
    failures: int
    seconds: float
    journeys_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_journey: float
    database_cpu_ms_per_journey: float | None
    client_cpu_ms_per_journey: float
    other_cpu_ms_per_journey: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def ensure_wrk() -> str:
    """Return the wrk executable, installing Debian's package when missing and allowed."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is needed for the throughput benchmark: apt-get install wrk")
    return found


def drive(
    server: procs.Server,
    paths: list[str],
    *,
    target: str,
    seconds: int,
    max_journeys: int,
    connections: int,
    database_pids: list[int] | None = None,
) -> LoadRun:
    """Run wrk against the server for at most `seconds` and `max_journeys`; measure it."""
    result_file = OUT / f"wrk-{target}.json"
    result_file.unlink(missing_ok=True)
    per_thread = max(1, max_journeys // connections)
    command = [
        ensure_wrk(),
        f"--threads={connections}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={LUA}",
        server.url,
        "--",
        str(result_file),
        str(per_thread),
        *paths,
    ]
    server_before = procs.tree_cpu(server.pid)
    db_before = sum(procs.cpu_seconds(pid) for pid in database_pids or [])
    busy_before = procs.machine_busy_seconds()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    busy = procs.machine_busy_seconds() - busy_before
    server_cpu = procs.tree_cpu(server.pid) - server_before
    db_cpu = sum(procs.cpu_seconds(pid) for pid in database_pids or []) - db_before
    if status != 0:
        raise RuntimeError(f"wrk failed with status {status}")
    data = json.loads(result_file.read_text())
    latencies = sorted(ms for thread in data["threads"] for ms in thread["latencies_ms"])
    journeys = len(latencies)
    failures = sum(thread["failures"] for thread in data["threads"])
    elapsed = data["duration_us"] / 1e6
    client_cpu = usage.ru_utime + usage.ru_stime
    per = 1000 / max(journeys, 1)
    return LoadRun(
        target=target,
        journeys=journeys,
        failures=failures,
        seconds=round(elapsed, 2),
        journeys_per_s=round(journeys / elapsed, 1),
        p50_ms=round(percentile(latencies, 0.50), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        server_cpu_ms_per_journey=round(server_cpu * per, 2),
        database_cpu_ms_per_journey=round(db_cpu * per, 2) if database_pids else None,
        client_cpu_ms_per_journey=round(client_cpu * per, 3),
        other_cpu_ms_per_journey=round(max(0.0, busy - server_cpu - db_cpu - client_cpu) * per, 2),
    )


def prepare_app_database(url: str) -> list[str]:
    """Migrate a fresh database, add one open event; return its before and after paths."""
    procs.flask(["db", "upgrade"], url)
    procs.flask(["create-department", "Bench PD", "--slug", "bench-pd"], url)
    event = json.loads(
        procs.flask(
            [
                "create-event",
                "--department",
                "bench-pd",
                "--name",
                "National Night Out",
                "--starts",
                "2026-08-04 18:00",
                "--kind",
                "national-night-out",
            ],
            url,
        )
    )
    return [
        "/" + event["before_url"].split("/", 3)[3],
        "/" + event["after_url"].split("/", 3)[3],
    ]


def prepare_floor_database(url: str) -> None:
    """Create the floor app's one table on a fresh database."""
    from bench.floor_app import create_schema

    create_schema(url)


def sqlite_url(name: str) -> str:
    """Return the URL of a fresh SQLite file under bench/out/."""
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def throughput(
    database: str,
    *,
    rounds: int,
    seconds: int,
    max_journeys: int,
    connections: int,
    admin_url: str | None = None,
) -> dict[str, object]:
    """Measure app and floor on one database kind; return every run and the medians."""
    if database == "sqlite":
        app_url, floor_url = sqlite_url("resident-app"), sqlite_url("resident-floor")
    else:
        assert admin_url is not None
        app_url = procs.fresh_postgres_database(admin_url, "cp_bench_app")
        floor_url = procs.fresh_postgres_database(admin_url, "cp_bench_floor")
    paths = prepare_app_database(app_url)
    prepare_floor_database(floor_url)
    runs: list[LoadRun] = []
    with (
        procs.gunicorn("wsgi:app", procs.flask_env(app_url)) as app_server,
        procs.gunicorn("bench.floor_app:app", {"FLOOR_DATABASE_URL": floor_url}) as floor,
    ):
        servers = {"floor": (floor, ["/form"]), "app": (app_server, paths)}
        for name, (server, server_paths) in servers.items():
            # Warm-up: imports, template compilation, connection pools, SQLite page cache.
            drive(
                server,
                server_paths,
                target=f"{database}-{name}-warmup",
                seconds=3,
                max_journeys=200,
                connections=connections,
            )
        for _round in range(rounds):
            for name, (server, server_paths) in servers.items():
                pids = None
                if admin_url is not None:
                    pids = procs.postgres_backend_pids(admin_url, f"cp_bench_{name}")
                runs.append(
                    drive(
                        server,
                        server_paths,
                        target=f"{database}-{name}",
                        seconds=seconds,
                        max_journeys=max_journeys,
                        connections=connections,
                        database_pids=pids,
                    )
                )
                time.sleep(1)
    return summarize(database, runs)


def summarize(database: str, runs: list[LoadRun]) -> dict[str, object]:
    """Return the median of each figure per target and the app/floor ratios."""

    def median(target: str, field: str) -> float | None:
        values = [
            getattr(run, field)
            for run in runs
            if run.target.endswith(target) and getattr(run, field) is not None
        ]
        return round(statistics.median(values), 3) if values else None

    fields = [
        "journeys_per_s",
        "p50_ms",
        "p99_ms",
        "server_cpu_ms_per_journey",
        "database_cpu_ms_per_journey",
        "client_cpu_ms_per_journey",
        "other_cpu_ms_per_journey",
    ]
    app = {field: median("-app", field) for field in fields}
    floor = {field: median("-floor", field) for field in fields}
    ratios = {
        field: round(app[field] / floor[field], 2)  # type: ignore[operator]
        for field in fields
        if app[field] and floor[field]
    }
    per_round = [
        round(a.journeys_per_s / f.journeys_per_s, 2)
        for f, a in zip(runs[0::2], runs[1::2], strict=True)
    ]
    return {
        "database": database,
        "app": app,
        "floor": floor,
        "ratio": ratios,
        "throughput_ratio_per_round": per_round,
        "failures": sum(run.failures for run in runs),
        "journeys": sum(run.journeys for run in runs),
        "runs": [asdict(run) for run in runs],
    }
