"""Dashboards at scale: the event report, trends and research preview against raw SQL.

Each page is requested through the real app (Flask's test client, signed in through the
login form as the department's admin) on a database seeded with 1,000,000 responses in 40
departments. Its floor is the raw SQL aggregate the page needs, the same statements written
by hand and run on the DBAPI connection (sqlite3 or psycopg), rows fetched, nothing else:
the ratio is what the ORM, statistics, figures and templates add. Median of several runs
after a warm-up request each.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.procs import SECRET
from bench.seed import PASSWORD, ensure_seeded

RUNS = 5

AGGREGATES = """
count({c}), sum({c}), sum({c} * {c})
""".strip()


def _sums(column: str) -> str:
    return AGGREGATES.format(c=column)


REPORT_SQL = [
    f"SELECT phase, count(*), {_sums('trust_index')}, {_sums('safety_index')} "  # noqa: S608 - fixed SQL, values bound
    "FROM responses WHERE event_id = %(e)s GROUP BY phase",
    f"SELECT count(*), {_sums('a.trust_index - b.trust_index')}, "  # noqa: S608 - fixed SQL, values bound
    f"{_sums('a.safety_index - b.safety_index')} FROM responses b JOIN responses a "
    "ON a.event_id = b.event_id AND a.pair_key = b.pair_key AND a.phase = 'after' "
    "WHERE b.event_id = %(e)s AND b.phase = 'before'",
    f"SELECT q.code, r.phase, {_sums('a.value_num')} FROM answers a "  # noqa: S608 - fixed SQL, values bound
    "JOIN responses r ON a.response_id = r.id JOIN questions q ON a.question_id = q.id "
    "WHERE r.event_id = %(e)s AND q.kind = 'agree5' GROUP BY q.code, r.phase",
    f"SELECT q.code, {_sums('aa.value_num - ab.value_num')} FROM responses b "  # noqa: S608 - fixed SQL, values bound
    "JOIN responses a ON a.event_id = b.event_id AND a.pair_key = b.pair_key "
    "AND a.phase = 'after' JOIN answers ab ON ab.response_id = b.id "
    "JOIN answers aa ON aa.response_id = a.id AND aa.question_id = ab.question_id "
    "JOIN questions q ON q.id = ab.question_id "
    "WHERE b.event_id = %(e)s AND b.phase = 'before' AND q.kind = 'agree5' GROUP BY q.code",
    "SELECT q.code, r.phase, a.value_num, count(*) FROM answers a "
    "JOIN responses r ON a.response_id = r.id JOIN questions q ON a.question_id = q.id "
    "WHERE r.event_id = %(e)s AND q.kind = 'agree5' GROUP BY q.code, r.phase, a.value_num",
    f"SELECT t.value_num, {_sums('r.trust_index')} FROM responses r LEFT JOIN "  # noqa: S608 - fixed SQL, values bound
    "(SELECT a.response_id, a.value_num FROM answers a JOIN questions q "
    "ON a.question_id = q.id WHERE q.code = 'TALKED') t ON t.response_id = r.id "
    "WHERE r.event_id = %(e)s AND r.phase = 'after' GROUP BY t.value_num",
    "SELECT q.code, CASE WHEN a.sentiment IS NULL THEN 'unscored' "
    "WHEN a.sentiment > 0.1 THEN 'positive' WHEN a.sentiment < -0.1 THEN 'negative' "
    "ELSE 'neutral' END AS label, count(*) FROM answers a "
    "JOIN responses r ON a.response_id = r.id JOIN questions q ON a.question_id = q.id "
    "WHERE r.event_id = %(e)s AND q.kind = 'text' AND a.value_text IS NOT NULL "
    "GROUP BY q.code, label",
    "SELECT a.id, q.code, r.phase, r.submitted_at, a.value_text, a.sentiment FROM answers a "
    "JOIN responses r ON a.response_id = r.id JOIN questions q ON a.question_id = q.id "
    "WHERE r.event_id = %(e)s AND q.kind = 'text' AND a.value_text IS NOT NULL "
    "ORDER BY r.submitted_at DESC, a.id DESC LIMIT 50",
]

TRENDS_SQL = [
    f"SELECT e.id, e.name, e.area, e.kind, e.starts_at, r.phase, {_sums('r.trust_index')}, "  # noqa: S608 - fixed SQL, values bound
    f"{_sums('r.safety_index')}, {_sums('r.sentiment')} FROM events e "
    "JOIN responses r ON r.event_id = e.id WHERE e.department_id = %(d)s "
    "GROUP BY e.id, e.name, e.area, e.kind, e.starts_at, r.phase "
    "ORDER BY e.starts_at, e.id, r.phase",
    "SELECT DISTINCT area FROM events WHERE department_id = %(d)s AND area IS NOT NULL "
    "ORDER BY area",
]

PREVIEW_SQL = [
    "SELECT e.id, e.area, e.kind, e.starts_at, s.name, s.version FROM events e "
    "JOIN question_sets s ON s.id = e.question_set_id WHERE e.department_id = %(d)s "
    "ORDER BY e.id",
    "SELECT q.id, q.code, q.kind, q.phase, q.demographic, q.text_en, q.text_es, q.choices, "
    "s.name, s.version FROM questions q JOIN question_sets s ON s.id = q.question_set_id "
    "WHERE s.department_id = %(d)s ORDER BY s.created_at DESC, s.version DESC, q.position",
    "SELECT r.event_id, r.language, r.channel, CASE WHEN p.id IS NOT NULL THEN 1 ELSE 0 END "
    "AS has_partner, p.language AS partner_language, count(*) FROM responses r "
    "JOIN events e ON e.id = r.event_id LEFT JOIN responses p ON p.event_id = r.event_id "
    "AND p.phase = CASE WHEN r.phase = 'before' THEN 'after' ELSE 'before' END "
    "AND p.pair_key = r.pair_key WHERE e.department_id = %(d)s "
    "GROUP BY r.event_id, r.language, r.channel, has_partner, partner_language",
]


def _median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    action()  # warm-up: caches, compiled statements, page cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def _raw_runner(url: str, statements: list[str], params: dict[str, int]) -> Callable[[], int]:
    """Return a function that runs the statements on a raw DBAPI connection, fetching all."""
    if url.startswith("sqlite"):
        import sqlite3

        connection: Any = sqlite3.connect(url.split("///", 1)[1])
        statements = [s.replace("%(e)s", ":e").replace("%(d)s", ":d") for s in statements]
    else:
        import psycopg

        connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        connection.autocommit = True

    def run() -> int:
        rows = 0
        cursor = connection.cursor()
        for statement in statements:
            cursor.execute(statement, params)
            rows += len(cursor.fetchall())
        return rows

    return run


def _signed_in_client(url: str, email: str) -> Any:
    from survey import create_app

    app = create_app(
        {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
    )
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
    assert tag is not None, "no csrf_token on the login page"
    token = re.search(r'value="([^"]*)"', tag.group(0))
    assert token is not None
    token = token.group(1)
    response = client.post(
        "/staff/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code in (302, 303), response.status_code
    return client


def _page(client: Any, path: str) -> Callable[[], int]:
    def get() -> int:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return len(response.get_data())

    return get


def _subjects(url: str, plan: dict[str, Any]) -> dict[str, int]:
    """Return the department timed and its largest event, with their sizes."""
    from sqlalchemy import create_engine, text

    department_id = plan["departments"][0]["id"]
    engine = create_engine(url)
    with engine.connect() as conn:
        event_id, event_n = conn.execute(
            text(
                "SELECT r.event_id, count(*) AS n FROM responses r JOIN events e "
                "ON e.id = r.event_id WHERE e.department_id = :d GROUP BY r.event_id "
                "ORDER BY n DESC LIMIT 1"
            ),
            {"d": department_id},
        ).one()
        department_n = conn.execute(
            text(
                "SELECT count(*) FROM responses r JOIN events e ON e.id = r.event_id "
                "WHERE e.department_id = :d"
            ),
            {"d": department_id},
        ).scalar_one()
    engine.dispose()
    return {
        "department_id": department_id,
        "event_id": event_id,
        "event_n": event_n,
        "department_n": department_n,
    }


def _bytes_per_response(url: str, responses: int) -> int:
    """Return the on-disk size of responses + answers (with indexes) per response."""
    if url.startswith("sqlite"):
        from pathlib import Path

        return round(Path(url.split("///", 1)[1]).stat().st_size / responses)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(
            text("SELECT pg_total_relation_size('responses') + pg_total_relation_size('answers')")
        ).scalar_one()
    engine.dispose()
    return round(size / responses)


def time_pages(url: str, plan: dict[str, Any]) -> dict[str, Any]:
    """Time the three pages and their raw aggregates on one seeded database."""
    subjects = _subjects(url, plan)
    client = _signed_in_client(url, plan["departments"][0]["email"])
    params = {"e": subjects["event_id"], "d": subjects["department_id"]}
    pages = {
        "event report": (
            f"/staff/events/{subjects['event_id']}/report",
            REPORT_SQL,
            subjects["event_n"],
        ),
        "trends": ("/staff/trends", TRENDS_SQL, subjects["department_n"]),
        "research preview": ("/research/", PREVIEW_SQL, subjects["department_n"]),
    }
    timed: dict[str, Any] = {}
    for name, (path, statements, n) in pages.items():
        page_ms = _median_ms(_page(client, path))
        floor_ms = _median_ms(_raw_runner(url, statements, params))
        timed[name] = {
            "path": path,
            "responses": n,
            "page_ms": page_ms,
            "floor_ms": floor_ms,
            "ratio": round(page_ms / floor_ms, 2) if floor_ms else None,
        }
    return {
        "bytes_per_response": _bytes_per_response(url, plan["responses"]),
        "database_responses": plan["responses"],
        "database_answers": plan["answers"],
        "seed_seconds": plan["seconds"],
        "seed_reused": plan["reused"],
        "pages": timed,
    }


def dashboards(admin_url: str | None, *, quick: bool) -> dict[str, Any]:
    """Seed (or reuse) the 40-department databases and time the pages on each."""
    responses = 100_000 if quick else 1_000_000
    name = f"dash{responses // 1000}k"
    figures: dict[str, Any] = {
        "description": (
            f"{responses:,} responses in 40 departments over 3 years (bench/seed.py); "
            "department 1 is timed: its largest event for the report, all its events for "
            "trends (by month, no filter) and the research preview (no filter). Page: wall "
            "time of the request through the app, signed in; raw aggregate: the page's SQL "
            f"by hand on the DBAPI connection. Medians of {RUNS} runs after a warm-up."
        )
    }
    kinds = ["sqlite"] + (["postgresql"] if admin_url else [])
    for database in kinds:
        try:
            url, plan = ensure_seeded(database, name, 40, responses, admin_url)
            figures[database] = time_pages(url, plan)
        except Exception as error:
            figures[database] = {"error": f"{type(error).__name__}: {error}"}
    return figures
