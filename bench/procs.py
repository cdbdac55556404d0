"""Process plumbing for the benchmarks: gunicorn servers, CPU counters, peak memory, databases."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")
SECRET = "bench-secret-key-0123456789abcdef0123456789abcdef"  # noqa: S105 - benchmark only
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def cpu_seconds(pid: int) -> float:
    """Return utime + stime of one process in seconds, 0 when it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # After the command name: state is field 3, utime field 14, stime field 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    """Return the direct children of a process (gunicorn's workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def tree_cpu(pid: int) -> float:
    """Return the CPU seconds used so far by a process and its children (master + workers)."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children(pid))


def machine_busy_seconds() -> float:
    """Return the CPU seconds every core has spent not idle since boot (from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its master pid and base URL."""

    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        """The master's pid; its children are the workers."""
        return self.process.pid


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int = 2) -> Iterator[Server]:
    """Run `gunicorn -w <workers> app_spec` on a free loopback port until the block ends."""
    port = free_port()
    log = (OUT / f"gunicorn-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            # The production settings file (request limits, private access log, the sentiment
            # lexicon loaded before fork) for the app and the floor alike; the options below
            # override it. Worker recycling is off: a recycled worker re-imports its app, a
            # start-up cost that would be charged to a 10-second round, not to the journeys.
            "--config",
            "survey/gunicorn_conf.py",
            "--max-requests",
            "0",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "256",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}")
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2):  # noqa: S310 - loopback
                pass
        except OSError as error:
            if getattr(error, "code", None):
                break  # any HTTP answer (404, 302) means the workers are serving
            time.sleep(0.2)
            continue
        break
    else:
        raise RuntimeError("gunicorn did not answer within 30 s")
    # Both workers must be forked before the CPU counters are read.
    while len(children(server.pid)) < 2:
        time.sleep(0.1)


# Runs a command from a small process and prints its wall time and peak RSS. ru_maxrss counts
# the pages a child shares with its parent before exec(), so the measured command must be
# forked from something small, never from the benchmark runner itself (hundreds of MB).
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command to completion; return (wall seconds, peak RSS in MB) of that process.

    Each measured job gets its own process so ru_maxrss is its own peak, not the runner's.
    """
    result = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *command],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    wall, maxrss_kb, status = result.stdout.strip().splitlines()[-1].split()
    if int(status) != 0:
        raise RuntimeError(f"{command} failed with status {status}")
    return float(wall), int(maxrss_kb) / 1024


def postgres_admin_url() -> str | None:
    """Return the PostgreSQL server URL to create benchmark databases on, or None if down."""
    url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    try:
        import psycopg

        with psycopg.connect(_libpq(url), connect_timeout=3):
            pass
    except Exception:
        return None
    return url


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def fresh_postgres_database(admin_url: str, name: str) -> str:
    """Drop and create database `name`; return its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def postgres_database_exists(admin_url: str, name: str) -> bool:
    """Tell whether database `name` exists on the server."""
    import psycopg

    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def postgres_backend_pids(admin_url: str, database: str) -> list[int]:
    """Return the pids of the server processes serving connections to `database`."""
    import psycopg

    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return [int(row[0]) for row in rows]


def postgres_version(admin_url: str) -> str:
    """Return the server's version string, e.g. "15.20"."""
    import psycopg

    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def flask_env(database_url: str) -> dict[str, str]:
    """Return the environment the real app runs under in every benchmark."""
    return {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": SECRET,
        "FLASK_RATELIMIT_ENABLED": "false",
        # Not the checkout's instance/: a developer's config.py must not change the figures.
        "COMMUNITY_PULSE_INSTANCE": str(OUT / "instance"),
    }


def flask(args: list[str], database_url: str, stdin: str | None = None) -> str:
    """Run `flask --app wsgi ARGS` against a database; return what it printed."""
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **flask_env(database_url)},
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout
