"""docs/scaling.md: a national evening on paper, derived from this run's PostgreSQL figures."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

PEAK = 1_000  # submissions per second, DESIGN.md's national peak
APP_UTILIZATION = 0.6  # plan app cores at 60 %: headroom for bursts and a lost server
DB_UTILIZATION = 0.5  # the database is the one thing that cannot be added on the night
SERVER_CORES = 8
# A journey here is GET form + POST answers; the browser then loads the thank-you page (and
# the stylesheet, which a proxy or the browser cache serves). The thank-you page renders a
# short template after one event lookup: counted as 35 % of a journey.
THANKS_FACTOR = 1.35
EVENING_SUBMISSIONS = 10_000_000  # 5 million residents answering before and after


def _ceil(value: float) -> int:
    return max(1, math.ceil(value))


def write_scaling(results: dict[str, Any], path: Path) -> None:
    """Write the scale-out arithmetic with the measured figures filled in."""
    resident = results.get("resident", {}).get("postgresql")
    if not resident:
        path.write_text("# Scaling\n\nNo PostgreSQL figures in the last `make bench` run.\n")
        return
    app = resident["app"]
    floor = resident["floor"]
    app_ms = app["server_cpu_ms_per_journey"]
    db_ms = app["database_cpu_ms_per_journey"] or 0.0
    per_core = 1000 / app_ms
    app_cores = PEAK * app_ms * THANKS_FACTOR / 1000 / APP_UTILIZATION
    servers = _ceil(app_cores / SERVER_CORES) + 1  # N + 1: the evening survives losing one
    workers = 2 * SERVER_CORES
    db_cores_busy = PEAK * db_ms * THANKS_FACTOR / 1000
    db_cores = 2 ** _ceil(math.log2(max(2.0, db_cores_busy / DB_UTILIZATION)))
    connections = servers * workers
    dashboards = results.get("dashboards", {}).get("postgresql", {})
    per_response = dashboards.get("bytes_per_response")
    machine = results.get("machine", {})
    lines = [
        "# Scaling: a national evening on paper",
        "",
        "Written by `make bench` (bench/scaling.py) from the PostgreSQL figures of the same "
        f"run as docs/performance.md ({machine.get('date')}, {machine.get('cores')} cores, "
        f"PostgreSQL {machine.get('postgresql')}). The target is DESIGN.md's peak: "
        f"**{PEAK:,} submissions a second** on the first Tuesday of August, none lost.",
        "",
        "## Measured per core",
        "",
        f"- App CPU per resident journey (GET the form + POST the answers), summed over the "
        f"gunicorn workers: **{app_ms:.2f} ms**, so one core serves **{per_core:.0f} "
        f"journeys/s** (the floor app: {floor['server_cpu_ms_per_journey']:.2f} ms).",
        f"- PostgreSQL CPU per journey (its backends for the app's connections): "
        f"**{db_ms:.2f} ms** (floor: {floor['database_cpu_ms_per_journey'] or 0:.2f} ms).",
        f"- Latency on the 2-core machine with 4 concurrent journeys: p50 {app['p50_ms']:.0f} ms,"
        f" p99 {app['p99_ms']:.0f} ms per journey (both requests), with the load generator "
        "and PostgreSQL on the same two cores (docs/performance.md): latency, unlike CPU per "
        "journey, does not carry over to a dedicated server.",
        (
            f"- Storage: **{per_response:,} bytes per response** (responses + answers with "
            "their indexes, measured on the 1,000,000-response seed)."
            if per_response
            else "- Storage: not measured in this run (dashboards part)."
        ),
        "",
        "## App servers",
        "",
        f"{PEAK:,} journeys/s × {app_ms:.2f} ms × {THANKS_FACTOR} (the thank-you page the "
        "browser loads after the POST: not in the measured journey, estimated at 35 % of "
        f"one) = "
        f"{PEAK * app_ms * THANKS_FACTOR / 1000:.1f} busy cores; planned at "
        f"{APP_UTILIZATION:.0%} utilization: **{app_cores:.0f} cores**, i.e. "
        f"**{servers} app servers of {SERVER_CORES} cores** (N + 1, so losing one on the "
        "night costs nothing). The servers are stateless: any of them can serve any "
        "request, behind any load balancer (round robin; no sticky sessions: the CSRF token "
        "is in the signed session cookie and the pairing key is an HMAC under the shared "
        "SECRET_KEY, which every server must have).",
        "",
        "Settings per server:",
        "",
        f"- gunicorn `WEB_CONCURRENCY={workers}` sync workers (2 per core: while one waits "
        "for PostgreSQL's commit, the other uses the core), `GUNICORN_TIMEOUT=30`, "
        "`max_requests` as in survey/gunicorn_conf.py.",
        "- `SQLALCHEMY_ENGINE_OPTIONS = {'pool_size': 1, 'max_overflow': 1, "
        "'pool_pre_ping': True}`: a sync worker uses one connection at a time; the default "
        "pool of 5 + 10 overflow per worker would let the fleet open "
        f"{servers * workers * 15:,} connections.",
        "- `RATELIMIT_STORAGE_URI=redis://<redis>:6379/0`: the default `memory://` keeps a "
        f"separate counter in each of the {servers * workers} workers, so the real limit "
        f"would be {servers * workers}× the configured one. One Redis (2 cores, "
        "persistence off: counters are meant to expire) handles the 2–4 commands per POST "
        f"at {PEAK:,}/s with room to spare. Its keys contain client addresses, so keep it "
        "private to the app servers and without persistence: every key expires with its "
        "limit window (DESIGN.md: counters outside the database, expiring).",
        "- `PROXY_FIX_X_FOR=1` behind the load balancer, or every resident shares one "
        "rate-limit bucket (the balancer's address).",
        "",
        "## Database",
        "",
        f"{PEAK:,} journeys/s × {db_ms:.2f} ms × {THANKS_FACTOR} = {db_cores_busy:.1f} busy "
        f"PostgreSQL cores; planned at {DB_UTILIZATION:.0%}: **{db_cores} cores**, memory "
        "enough for the indexes of the evening's tables (a few GB), and a replica for "
        "failover and for the dashboards' reads.",
        "",
    ]
    if per_response:
        evening_gb = EVENING_SUBMISSIONS * per_response / 1e9
        lines += [
            f"Disk: {EVENING_SUBMISSIONS:,} submissions in an evening × {per_response:,} B = "
            f"**{evening_gb:.1f} GB** of tables and indexes, roughly twice that in WAL "
            f"during the evening; at the peak {PEAK * per_response / 1e6:.1f} MB/s of row "
            "data, a few times that in WAL with full-page writes: an ordinary SSD.",
            "",
        ]
    lines += [
        "## What breaks first",
        "",
        f"1. **Connections.** {servers} servers × {workers} workers = {connections} "
        f"workers, each holding one connection and up to {2 * connections} with the "
        "overflow, plus staff pages, exports, migrations and replication, against "
        "PostgreSQL's default `max_connections = 100`, with the defaults of SQLAlchemy "
        f"(5 + 10 per worker: {connections * 15:,}) far beyond it. Either raise it to "
        f"about {math.ceil(2.5 * connections / 50) * 50} (each backend costs ~5–10 MB) or, "
        "better, put PgBouncer in transaction pooling mode in front and give PostgreSQL "
        f"about {2 * db_cores} real connections (2 per core). This is the first thing "
        "that fails, and it fails loudly at the start of the evening.",
        "2. **Disk flushes (commit latency).** Every submission is one transaction and "
        "waits for its WAL flush (`synchronous_commit = on`: a resident's answers are never "
        f"acknowledged before they are durable). {PEAK:,} commits/s need group commit "
        "(PostgreSQL does it by itself; `commit_delay = 200` µs with `commit_siblings = 5` "
        "helps) and a disk whose fsync takes well under a millisecond (NVMe, or a "
        "battery-backed controller). A cloud disk with 2–5 ms fsync caps a single WAL "
        "stream near 200–500 flushes/s before grouping: measure it with `pg_test_fsync`.",
        "3. **Locks: not a limit.** Submissions insert new rows only; the unique indexes "
        "(submission_id, and event/phase/pair_key) are checked per key, so two residents "
        "never wait for each other. The only shared hot spots are the id sequences "
        "(cheap, not transactional) and the right-most pages of the id indexes. The "
        "SQLite deployment is different: one writer at a time, so one department's "
        "server tops out at the SQLite throughput in docs/performance.md, ample for one "
        "department's events, never for a region.",
        "4. **CPU of the app servers** scales linearly by adding servers; the app keeps no "
        "state between requests except per-worker caches of frozen question sets.",
        "",
        "## Dashboards and exports on the night",
        "",
        "Staff watching counts live and researchers exporting read the same tables. Point "
        "them at a streaming replica (a second `SQLALCHEMY_DATABASE_URI` for staff pages "
        "is not built yet) or keep them off during the peak hour: the export of a large "
        "department is a long sequential read (docs/performance.md, Export at scale).",
    ]
    path.write_text("\n".join(lines) + "\n")
