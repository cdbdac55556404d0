"""Fill a database with realistic synthetic responses, fast, for the at-scale benchmarks.

    python -m bench.seed sqlite:///bench/out/dash.db --departments 40 --responses 1000000

Departments, question sets, events and users are created through the app's own services;
responses and answers (about 8 answer rows per response) are bulk-inserted: executemany on
SQLite, COPY on PostgreSQL, with explicit ids so answers need no RETURNING round trip. The
data follow the app's rules: indices and sentiment computed as record_response computes them,
before/after pairs sharing a pair key, kiosk rows unpaired, Spanish comments unscored.
About 3 minutes per million responses on SQLite and 2 on PostgreSQL, on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.corpus import CONCERNS, ENGLISH_COMMENTS, SPANISH_COMMENTS
from bench.procs import SECRET

SEED_VERSION = 1
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a synthetic benchmark login
AREAS = [
    "Northside",
    "Southside",
    "Downtown",
    "Riverside",
    "Eastgate",
    "Westfield",
    "Hillcrest",
    "Old Town",
]
KINDS = ["national-night-out", "community-walk", "town-hall", "other"]
START = datetime(2023, 1, 1, tzinfo=UTC)
YEARS = 3
EVENTS_PER_YEAR = 12
CHUNK = 20_000  # responses per bulk insert batch


@dataclass
class Plan:
    """What one seeded database holds, for the benchmarks to pick their subjects."""

    departments: list[dict[str, Any]]  # id, slug, user email, question ids by code
    responses: int
    answers: int
    seconds: float


@dataclass(frozen=True)
class EventSpec:
    """An event to seed: its id, department, start and how many residents answered."""

    id: int
    department_index: int
    starts_at: datetime
    size: int


def _scored_comments() -> dict[str, float | None]:
    from survey.sentiment.scoring import score_text

    scored: dict[str, float | None] = {}
    for text in [*ENGLISH_COMMENTS, *SPANISH_COMMENTS, *CONCERNS]:
        sentiment = score_text(text)
        scored[text] = sentiment.polarity if sentiment else None
    return scored


def _index(values: list[float | None]) -> float | None:
    answered = [v for v in values if v is not None]
    if not answered:
        return None
    return (sum(answered) / len(answered) - 1) / 4 * 100


def _event_sizes(total: int, count: int, rng: random.Random) -> list[int]:
    """Split `total` responses over `count` events, heavy-tailed like real attendance."""
    weights = [rng.lognormvariate(0, 0.8) for _ in range(count)]
    scale = total / sum(weights)
    sizes = [max(2, int(w * scale)) for w in weights]
    sizes[0] += total - sum(sizes)  # the rounding remainder
    return sizes


def create_structure(
    departments: int, responses: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[EventSpec]]:
    """Create departments through the app, then their events in one bulk insert.

    Only the first department gets a login (an admin, who may also export): hashing a
    password is deliberately slow and the benchmarks sign in to one department.
    """
    from sqlalchemy import insert

    from survey.auth.services import create_user
    from survey.database import utcnow
    from survey.events.models import Event
    from survey.events.services import create_department, new_event_token
    from survey.extensions import db

    made: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    sizes_by_event: list[tuple[int, datetime, int]] = []
    per_department = _event_sizes(responses, departments, rng) if departments > 1 else [responses]
    for d in range(departments):
        areas = AREAS[: 4 + d % 5]
        department = create_department(
            f"Bench Department {d + 1}", f"bench-{d + 1}", "America/Chicago", areas
        )
        question_set = department.question_sets[0]
        email = None
        if d == 0:
            email = create_user(
                f"admin@bench-{d + 1}.example", PASSWORD, department, "admin"
            ).email
        made.append(
            {
                "id": department.id,
                "slug": department.slug,
                "email": email,
                "questions": {q.code: q.id for q in question_set.questions},
                "question_set_id": question_set.id,
            }
        )
        count = YEARS * EVENTS_PER_YEAR
        for e, size in enumerate(_event_sizes(per_department[d], count, rng)):
            starts = START + timedelta(days=e * 365 * YEARS / count + rng.uniform(0, 20))
            starts = starts.replace(hour=23, minute=0, second=0, microsecond=0)
            kind = KINDS[e % len(KINDS)]
            rows.append(
                {
                    "department_id": department.id,
                    "question_set_id": question_set.id,
                    "name": f"{kind.replace('-', ' ').title()} {starts:%Y-%m-%d}",
                    "kind": kind,
                    "area": areas[e % len(areas)],
                    "starts_at": starts,
                    "status": "closed",
                    "closed_at": starts + timedelta(hours=4),
                    "token": new_event_token(),
                    "created_at": utcnow(),
                }
            )
            sizes_by_event.append((d, starts, size))
    ids = db.session.scalars(insert(Event).returning(Event.id, sort_by_parameter_order=True), rows)
    specs = [
        EventSpec(event_id, d, starts, size)
        for event_id, (d, starts, size) in zip(ids, sizes_by_event, strict=True)
    ]
    db.session.commit()
    return made, specs


def generate(
    specs: list[EventSpec], departments: list[dict[str, Any]], rng: random.Random
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Yield batches of (response rows, answer rows) as tuples in column order."""
    scored = _scored_comments()
    response_id = 0
    answer_id = 0
    responses: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    trust_codes = ("TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT")
    agree_codes = ("SAFE", *trust_codes)
    for spec in specs:
        q = departments[spec.department_index]["questions"]
        qs = departments[spec.department_index]["question_set_id"]
        n_after = spec.size // 2
        n_before = spec.size - n_after
        paired = int(n_after * 0.6)
        # Residents 0..paired-1 answer both phases, then before-only, then after-only ones.
        people = n_before + n_after - paired
        for person in range(people):
            language = "es" if rng.random() < 0.15 else "en"
            kiosk = person >= paired and rng.random() < 0.3
            pair_key = None if kiosk else f"{spec.id:08x}{person:08x}{rng.getrandbits(192):048x}"
            level = rng.gauss(3.3, 0.9)
            talked = rng.random() < 0.45
            lift = 0.3 + 0.4 * talked
            if person < paired:
                phases = [("before", 0.0), ("after", lift)]
            elif person < n_before:
                phases = [("before", 0.0)]
            else:
                phases = [("after", lift)]
            for phase, lift in phases:
                response_id += 1
                values: dict[str, float | None] = {}
                for code in agree_codes:
                    if rng.random() < 0.03:
                        values[code] = None
                    else:
                        values[code] = float(
                            min(5, max(1, round(level + lift + rng.gauss(0, 0.6))))
                        )
                polarities: list[float] = []
                texts: list[tuple[str, str]] = []
                if phase == "after":
                    values["TALKED"] = 1.0 if talked else 0.0
                    values["EVENT"] = float(min(5, max(1, round(3.6 + lift + rng.gauss(0, 0.8)))))
                    if rng.random() < 0.45:
                        pool = SPANISH_COMMENTS if language == "es" else ENGLISH_COMMENTS
                        texts.append(("COMMENT", rng.choice(pool)))
                elif rng.random() < 0.4:
                    texts.append(("CONCERN", rng.choice(CONCERNS)))
                for code, value in values.items():
                    answer_id += 1
                    answers.append((answer_id, response_id, q[code], qs, value, None, None))
                for code, text in texts:
                    answer_id += 1
                    polarity = scored[text]
                    if polarity is not None:
                        polarities.append(polarity)
                    answers.append((answer_id, response_id, q[code], qs, None, text, polarity))
                minutes = rng.uniform(-30, 30) if phase == "before" else rng.uniform(60, 150)
                responses.append(
                    (
                        response_id,
                        spec.id,
                        qs,
                        phase,
                        language,
                        "kiosk" if kiosk else "qr",
                        (spec.starts_at + timedelta(minutes=minutes)).replace(tzinfo=None),
                        pair_key,
                        f"{response_id:032x}",
                        _index([values[c] for c in trust_codes]),
                        _index([values["SAFE"]]),
                        round(sum(polarities) / len(polarities), 4) if polarities else None,
                    )
                )
                if len(responses) >= CHUNK:
                    yield responses, answers
                    responses, answers = [], []
    if responses:
        yield responses, answers


RESPONSE_COLUMNS = (
    "id, event_id, question_set_id, phase, language, channel, submitted_at, pair_key, "
    "submission_id, trust_index, safety_index, sentiment"
)
ANSWER_COLUMNS = "id, response_id, question_id, question_set_id, value_num, value_text, sentiment"


def _bulk_insert(
    connection: Any, dialect: str, batches: Iterator[tuple[list[Any], list[Any]]]
) -> tuple[int, int]:
    """Insert every batch with the driver's fastest path; return (responses, answers)."""
    n_responses = n_answers = 0
    cursor = connection.cursor()
    for responses, answers in batches:
        if dialect == "sqlite":
            # The app's connections run in autocommit (configure_sqlite): one transaction per
            # batch must be opened by hand, or every row would be its own commit.
            cursor.execute("BEGIN")
            cursor.executemany(
                f"INSERT INTO responses ({RESPONSE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",  # noqa: S608 - fixed columns
                responses,
            )
            cursor.executemany(
                f"INSERT INTO answers ({ANSWER_COLUMNS}) VALUES (?,?,?,?,?,?,?)",  # noqa: S608 - fixed columns
                answers,
            )
        else:
            cursor.execute("SET synchronous_commit = off")
            with cursor.copy(f"COPY responses ({RESPONSE_COLUMNS}) FROM STDIN") as copy:
                for row in responses:
                    copy.write_row(row)
            with cursor.copy(f"COPY answers ({ANSWER_COLUMNS}) FROM STDIN") as copy:
                for row in answers:
                    copy.write_row(row)
        n_responses += len(responses)
        n_answers += len(answers)
        connection.commit()
    return n_responses, n_answers


BULK_TABLES = ("responses", "answers")


def _drop_constraints(raw: Any) -> list[str]:
    """Drop the bulk tables' indexes, unique and foreign keys; return the SQL to restore them.

    PostgreSQL builds an index over loaded rows far faster than it maintains it row by row,
    and checks a foreign key over the whole table in one join instead of a trigger per row.
    """
    cursor = raw.cursor()
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f') "
        "ORDER BY contype = 'u'",  # foreign keys first: they depend on the unique keys
        (list(BULK_TABLES),),
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        (list(BULK_TABLES),),
    )
    indexes = cursor.fetchall()
    restore = []
    for table, name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
        restore.append(definition)
    raw.commit()
    # Foreign keys last: they need the unique indexes they point at.
    return sorted(restore, key=lambda sql: "FOREIGN KEY" in sql)


def _restore_constraints(raw: Any, statements: list[str]) -> None:
    """Rebuild what _drop_constraints dropped, with memory enough to sort in one pass."""
    cursor = raw.cursor()
    cursor.execute("SET maintenance_work_mem = '512MB'")
    for statement in statements:
        cursor.execute(statement)
    raw.commit()


def seed(url: str, departments: int, responses: int, seed_value: int = 2024) -> Plan:
    """Migrate the empty database at `url` and fill it; return what it holds."""
    from flask_migrate import upgrade

    from survey import create_app
    from survey.extensions import db

    started = time.monotonic()
    rng = random.Random(seed_value)
    app = create_app(
        {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        upgrade()
        made, specs = create_structure(departments, responses, rng)
        dialect = db.engine.dialect.name
        raw = db.engine.raw_connection()
        try:
            if dialect == "sqlite":
                # A seed is rebuilt, never recovered: no journal, no fsync, a large page cache.
                # Foreign keys are right by construction (ids come from the same plan).
                for pragma in (
                    "journal_mode=OFF",
                    "synchronous=OFF",
                    "cache_size=-524288",
                    "foreign_keys=OFF",
                ):
                    raw.execute(f"PRAGMA {pragma}")
            saved = _drop_constraints(raw) if dialect == "postgresql" else []
            n_responses, n_answers = _bulk_insert(raw, dialect, generate(specs, made, rng))
            cursor = raw.cursor()
            if dialect == "postgresql":
                _restore_constraints(raw, saved)
                for table in ("responses", "answers"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                        f"(SELECT max(id) FROM {table}))"
                    )
                raw.commit()
                raw.driver_connection.autocommit = True
                raw.cursor().execute("VACUUM ANALYZE")
            else:
                cursor.execute("ANALYZE")
                raw.commit()
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()
        db.session.remove()
        db.engine.dispose()
    return Plan(made, n_responses, n_answers, round(time.monotonic() - started, 1))


def main() -> None:
    """Seed a database from the command line."""
    parser = argparse.ArgumentParser(description="Seed a benchmark database.")
    parser.add_argument("url")
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--responses", type=int, default=1_000_000)
    args = parser.parse_args()
    plan = seed(args.url, args.departments, args.responses)
    print(f"{plan.responses:,} responses, {plan.answers:,} answers in {plan.seconds} s")


if __name__ == "__main__":
    main()


def ensure_seeded(
    database: str, name: str, departments: int, responses: int, admin_url: str | None
) -> tuple[str, dict[str, Any]]:
    """Return (url, plan) of a seeded database, reusing the cached one in bench/out/.

    The plan is stored beside it as JSON; a database without its plan, or from an older
    seed version, is rebuilt. A cached database is brought to the current migration head.
    """
    import json

    from bench import procs
    from bench.procs import OUT

    marker = OUT / f"seed-{database}-{name}.json"
    if database == "sqlite":
        path = OUT / f"seed-{name}.db"
        url = f"sqlite:///{path}"
        present = path.exists()
    else:
        assert admin_url is not None
        db_name = f"cp_bench_{name}"
        url = admin_url.rsplit("/", 1)[0] + "/" + db_name
        present = procs.postgres_database_exists(admin_url, db_name)
    if present and marker.exists():
        plan = json.loads(marker.read_text())
        if plan.get("version") == SEED_VERSION:
            procs.flask(["db", "upgrade"], url)
            plan["reused"] = True
            return url, plan
    marker.unlink(missing_ok=True)
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            OUT.joinpath(f"seed-{name}.db{suffix}").unlink(missing_ok=True)
    else:
        procs.fresh_postgres_database(admin_url, f"cp_bench_{name}")  # type: ignore[arg-type]
    made = seed(url, departments, responses)
    plan = {
        "version": SEED_VERSION,
        "departments": made.departments,
        "responses": made.responses,
        "answers": made.answers,
        "seconds": made.seconds,
    }
    marker.write_text(json.dumps(plan))
    plan["reused"] = False
    return url, plan
