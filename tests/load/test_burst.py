"""200 residents at once on a 4-worker gunicorn, with an export running and a worker killed.

Every acknowledged submission (a 303) must be in the database exactly once, with no 5xx.
Figures (wall time, latencies, retries) are printed; run with `-s` to see them.
"""

import os
import signal
import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from survey.extensions import db
from tests.load.conftest import (
    DEPARTMENT,
    USER_AGENT,
    Outcome,
    Server,
    open_form,
    read_transaction_held,
    request,
    resident,
    stored_submissions,
    submit,
)

# Bounded: a burst takes seconds; a hang fails this test instead of stalling the suite.
pytestmark = [pytest.mark.load, pytest.mark.timeout(300)]

RESIDENTS = 200


class Exporter(threading.Thread):
    """Run the researcher export again and again while the burst lasts.

    It also holds one long read transaction (an aggregate over every response) open for the
    whole burst, as a slow analyst query would. Each export's start and end are recorded, so
    the test can see whether submissions were acknowledged while an export was running.
    """

    def __init__(self, server: Server, directory: Path) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.directory = directory
        self.stop = threading.Event()
        self.intervals: list[tuple[float, float]] = []
        self.error: BaseException | None = None

    @property
    def durations(self) -> list[float]:
        return [end - start for start, end in self.intervals]

    def run(self) -> None:
        from survey.events.services import department_by_slug
        from survey.export.bundle import export_to_file
        from survey.export.filters import ExportFilters

        try:
            with (
                read_transaction_held(self.server.database_url),
                self.server.app.app_context(),
            ):
                while not self.stop.is_set():
                    started = time.monotonic()
                    department = department_by_slug(DEPARTMENT)
                    path = self.directory / f"export-{len(self.intervals)}.zip"
                    export_to_file(department, ExportFilters(), 5, path)
                    self.intervals.append((started, time.monotonic()))
                    db.session.remove()
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error


def burst(server: Server, token: str, on_progress: Any = None) -> tuple[list[Outcome], float]:
    """Let RESIDENTS phones submit at once; return their outcomes and the wall time."""
    outcomes = [Outcome() for _ in range(RESIDENTS)]
    start = threading.Barrier(RESIDENTS + 1)
    threads = [
        threading.Thread(target=resident, args=(server.port, token, start, outcome))
        for outcome in outcomes
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    while any(thread.is_alive() for thread in threads):
        if on_progress:
            on_progress(outcomes)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    return outcomes, time.monotonic() - began


def summary(label: str, outcomes: list[Outcome], wall: float, extra: str = "") -> str:
    seconds = sorted(outcome.seconds for outcome in outcomes if outcome.acknowledged)
    p95 = seconds[int(len(seconds) * 0.95) - 1] if seconds else 0.0
    statuses = [status for outcome in outcomes for status in outcome.statuses]
    line = (
        f"[load {label}] {len(outcomes)} residents in {wall:.1f} s: "
        f"{sum(o.acknowledged for o in outcomes)} acknowledged, "
        f"{sum(s >= 500 for s in statuses)} 5xx, "
        f"{sum(o.dropped for o in outcomes)} dropped connections, "
        f"{sum(o.dropped for o in outcomes) + len(statuses) - 2 * len(outcomes)} retries; "
        f"per resident median "
        f"{statistics.median(seconds):.2f} s, p95 {p95:.2f} s{extra}"
    )
    print(line)
    return line


def assert_exactly_once(server: Server, token: str, outcomes: list[Outcome]) -> None:
    acknowledged = [o.submission_id for o in outcomes if o.acknowledged]
    stored = stored_submissions(server.database_url, token)
    assert len(acknowledged) == len(outcomes)
    assert len(stored) == len(set(stored)), "a submission was stored twice"
    assert sorted(stored) == sorted(acknowledged)


def test_200_residents_at_once_with_an_export_running(server, tmp_path):
    event = server.new_event("Burst")
    exporter = Exporter(server, tmp_path)
    exporter.start()
    outcomes, wall = burst(server, event.token)
    exporter.stop.set()
    exporter.join(timeout=120)
    # A thread still exporting would hold database connections past the server's shutdown.
    assert not exporter.is_alive(), "the export did not finish within 2 minutes of the burst"
    # Not blocked: most acknowledgements arrive while an export is in progress. A writer
    # waiting for exports to finish would only be acknowledged in the gaps between them.
    during = [
        o
        for o in outcomes
        if any(start < o.acknowledged_at < end for start, end in exporter.intervals)
    ]
    line = summary(
        server.database_url.split(":")[0],
        outcomes,
        wall,
        f"; {len(exporter.durations)} exports alongside, "
        f"each {statistics.mean(exporter.durations or [0]):.1f} s, "
        f"{len(during)} acknowledged while one ran",
    )
    assert exporter.error is None, exporter.error
    assert exporter.durations, "the export never finished during the burst"
    assert len(during) >= RESIDENTS // 2, line
    statuses = [status for outcome in outcomes for status in outcome.statuses]
    assert not [s for s in statuses if s >= 500], line
    assert sum(o.dropped for o in outcomes) == 0, line
    assert_exactly_once(server, event.token, outcomes)


def worker_holding(server: Server, client_port: int) -> int | None:
    """Return the worker holding the server end of our connection from ``client_port``.

    The connection's server-side socket is the row of /proc/net/tcp whose local port is the
    server's and whose remote port is ours; its inode shows which worker has it open.
    """
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if (local_port, remote_port) == (server.port, client_port):
                inodes.add(f"socket:[{fields[9]}]")
    for pid in server.workers():
        if open_files(pid) & inodes:
            return pid
    return None


def open_files(pid: int) -> set[str]:
    """Return what the process's descriptors point at ("socket:[inode]" for a socket)."""
    targets = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:  # the process has exited
        return targets
    for descriptor in descriptors:
        try:
            targets.add(os.readlink(descriptor))
        except FileNotFoundError:  # closed since the listing
            continue
    return targets


def cut_off_mid_request(server: Server, path: str, outcome: Outcome) -> int:
    """A phone sends half its form; the worker reading it is SIGKILLed; the phone resends.

    Killing a worker at an arbitrary moment may hit one between requests and prove nothing.
    This one is certainly mid-request: it is waiting for the rest of our body. Returns the pid.
    """
    filled = open_form(server.port, path, outcome)
    assert filled is not None, "the slow phone could not open the form"
    form, headers = filled
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"User-Agent: {USER_AGENT}\r\nContent-Type: {headers['Content-Type']}\r\n"
        f"Cookie: {headers['Cookie']}\r\nContent-Length: {len(form)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as phone:
        phone.sendall(head + form[: len(form) // 2])
        deadline = time.monotonic() + 20
        victim = None
        while victim is None and time.monotonic() < deadline:
            victim = worker_holding(server, phone.getsockname()[1])
            time.sleep(0.02)
        assert victim is not None, "no worker took the slow phone's connection within 20 s"
        os.kill(victim, signal.SIGKILL)
        try:
            answer = phone.recv(1024)
        except ConnectionResetError:
            answer = b""
    assert answer == b"", "the killed worker answered the half-sent form"
    outcome.dropped += 1
    submit(server.port, path, form, headers, outcome)
    return victim


def test_a_worker_killed_mid_burst_loses_and_doubles_nothing(server):
    event = server.new_event("Burst with a crash")
    killed: list[int] = []
    slow_phone = Outcome()

    def kill_one_worker(outcomes: list[Outcome]) -> None:
        if not killed and sum(o.acknowledged for o in outcomes) >= RESIDENTS // 4:
            killed.append(cut_off_mid_request(server, f"/s/{event.token}/after", slow_phone))

    outcomes, wall = burst(server, event.token, kill_one_worker)
    outcomes.append(slow_phone)
    line = summary(server.database_url.split(":")[0] + " + SIGKILL", outcomes, wall)
    assert killed, "the burst ended before a worker could be killed"
    assert slow_phone.acknowledged, line  # its resend after the cut went through
    statuses = [status for outcome in outcomes for status in outcome.statuses]
    assert not [s for s in statuses if s >= 500], line
    assert_exactly_once(server, event.token, outcomes)
    deadline = time.monotonic() + 30
    while len(server.workers()) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert killed[0] not in server.workers()
    assert len(server.workers()) == 4  # gunicorn replaced it


def test_gunicorn_refuses_huge_requests_and_trusts_no_forwarded_header(server):
    status, _, _ = request(server.port, "GET", "/" + "a" * 6000)
    assert status == 414
    status, _, _ = request(server.port, "GET", "/healthz", headers={"X-Big": "a" * 9000})
    assert status == 431
    many = {f"X-Header-{number}": "a" for number in range(120)}
    status, _, _ = request(server.port, "GET", "/healthz", headers=many)
    assert status == 431
    status, headers, _ = request(
        server.port, "GET", "/staff/login", headers={"X-Forwarded-Proto": "https"}
    )
    assert status == 200
    assert "Strict-Transport-Security" not in headers
    assert "Secure" not in (headers.get("Set-Cookie") or "")


def test_the_access_log_holds_no_address_or_user_agent(server):
    request(server.port, "GET", "/healthz", headers={"X-Forwarded-For": "203.0.113.99"})
    request(server.port, "GET", "/" + "b" * 6000)  # gunicorn's own "invalid request" warning
    time.sleep(0.5)
    log = server.log.read_text()
    access = [line for line in log.splitlines() if '"GET /' in line]
    assert access, "the access log is on by default"
    for forbidden in ("127.0.0.1", "203.0.113.99", USER_AGENT):
        assert not [line for line in access if forbidden in line], forbidden
    warnings = [line for line in log.splitlines() if "Invalid request" in line]
    assert warnings
    assert not [line for line in warnings if "127.0.0.1" in line]
