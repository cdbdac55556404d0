"""Peak memory of one export, measured in a fresh process: `python -m tests.export.memory_probe`.

    python -m tests.export.memory_probe fill DATABASE_URL RESPONSES
    python -m tests.export.memory_probe cli DATABASE_URL OUTPUT.zip
    python -m tests.export.memory_probe web DATABASE_URL

`fill` migrates the database and writes a department with RESPONSES responses (ten answers
each, a comment on every third) with INSERT ... SELECT, in seconds. `cli` and `web` run one
export with comments and print a JSON line: the resident set size before the export, the
peak during it (Linux's VmHWM, reset just before) and the bytes produced. `web` goes
through the real view with a signed-in researcher and reads the streamed body chunk by
chunk, as a browser would.
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from survey import create_app
from survey.extensions import db
from tests.conftest import hidden_inputs

SLUG = "memory-probe"
PASSWORD = "memory probe password"


def _app(url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "memory-probe-secret-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
        }
    )


def _status_mb(field: str) -> float:
    """Return a memory figure of /proc/self/status (VmRSS now, VmHWM peak) in MB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split(f"{field}:")[1].split()[0]) / 1024


def _start_measuring() -> float:
    """Reset the peak to the current size and return that size, in MB.

    Signing in hashes a password with Argon2 (tens of MB), which would otherwise stay the
    process's peak and hide the export's own; Linux resets the peak on "5" to clear_refs.
    """
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def fill(url: str, responses: int) -> None:
    """Create the probe department with `responses` responses spread over 40 events."""
    from flask_migrate import upgrade

    from survey.auth.services import create_user
    from survey.events.services import create_department, create_event

    app = _app(url)
    with app.app_context():
        upgrade()
        department = create_department("Memory probe", SLUG, "America/Chicago", ["A", "B"])
        create_user("researcher@probe.example", PASSWORD, department, "researcher")
        events = [
            create_event(
                department,
                f"Event {n}",
                datetime(2025, 1 + n % 12, 1 + n % 28, 23, tzinfo=UTC),
                kind="community-walk",
                area="AB"[n % 2],
            )
            for n in range(40)
        ]
        first, question_set = events[0].id, events[0].question_set_id
        # Pairs: responses 2m and 2m+1 are one phone's before and after at one event.
        db.session.execute(
            text(
                """
                INSERT INTO responses (event_id, question_set_id, phase, language, channel,
                    submitted_at, pair_key, submission_id, trust_index, safety_index, sentiment)
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :last)
                SELECT :first + (i / 2) % 40, :set,
                       CASE WHEN i % 2 = 0 THEN 'before' ELSE 'after' END,
                       CASE WHEN i % 7 = 0 THEN 'es' ELSE 'en' END,
                       'qr', :submitted, 'k' || CAST(i / 2 AS TEXT), 's' || CAST(i AS TEXT),
                       25.0 * (i % 5), 25.0 * ((i + 1) % 5), -0.4
                FROM n
                """
            ),
            {
                "last": responses - 1,
                "first": first,
                "set": question_set,
                "submitted": datetime(2025, 1, 1, tzinfo=UTC).replace(tzinfo=None),
            },
        )
        db.session.execute(
            text(
                """
                INSERT INTO answers (response_id, question_id, question_set_id, value_num,
                    value_text)
                SELECT r.id, q.id, q.question_set_id,
                       CASE WHEN q.kind = 'text' THEN NULL ELSE 1 + r.id % 5 END,
                       CASE WHEN q.kind = 'text'
                            THEN 'Officer Smith was great, call me at 555-123-4567 ' || r.id
                       END
                FROM responses r CROSS JOIN questions q
                WHERE q.question_set_id = :set
                  AND (q.kind <> 'text' OR r.id % 3 = 0)
                  AND (q.phase = 'both' OR q.phase = r.phase)
                """
            ),
            {"set": question_set},
        )
        db.session.commit()
        # As autovacuum would: fresh statistics, so the planner uses the pair-key index.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


def _department() -> Any:
    from survey.events.services import department_by_slug

    return department_by_slug(SLUG)


def cli(url: str, output: str) -> dict[str, float]:
    """Export to a file through the command's own function and report memory."""
    from survey.export.bundle import export_to_file
    from survey.export.filters import ExportFilters

    app = _app(url)
    with app.app_context():
        department = _department()
        before = _start_measuring()
        export_to_file(department, ExportFilters(with_comments=True), 5, Path(output))
        return {"before_mb": before, "peak_mb": _peak_mb(), "bytes": Path(output).stat().st_size}


def web(url: str) -> dict[str, float]:
    """Download through the real research page as a signed-in researcher, chunk by chunk."""
    app = _app(url)
    client = app.test_client()
    login = hidden_inputs(client.get("/staff/login").get_data(as_text=True))
    client.post(
        "/staff/login",
        data={"email": "researcher@probe.example", "password": PASSWORD, **login},
    )
    page = hidden_inputs(client.get("/research/").get_data(as_text=True))
    before = _start_measuring()
    response = client.post(
        "/research/download",
        data={"csrf_token": page["csrf_token"], "with_comments": "y"},
        buffered=False,
    )
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    return {
        "before_mb": before,
        "peak_mb": _peak_mb(),
        "bytes": size,
        "status": response.status_code,
    }


def main(argv: list[str]) -> None:
    """Dispatch `fill`, `cli` or `web` and print the measurement as one JSON line."""
    mode, url = argv[0], argv[1]
    if mode == "fill":
        fill(url, int(argv[2]))
        return
    result = cli(url, argv[2]) if mode == "cli" else web(url)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
