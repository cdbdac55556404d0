"""CPU per resident journey inside one process, for profiling changes to the survey path.

    python -m bench.profile_journey              # CPU ms per GET and per GET+POST, app and floor
    python -m bench.profile_journey --profile    # plus a pyinstrument tree (pip install it)

No gunicorn, no sockets: Flask's test client on a migrated SQLite file in bench/out/, so the
figure is the application's own work. The best of 5 batches is reported (least disturbed
by whatever else runs on the machine).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

from bench.procs import OUT, SECRET

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
RADIO = re.compile(r'<input type="radio" name="(q\d+)" value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea[^>]*name="(q\d+)"')
COMMENT = "Great event, the officers were friendly and really listened to us."


def _answers(html: str) -> dict[str, str]:
    data = dict(HIDDEN.findall(html))
    for name, value in RADIO.findall(html):
        if value in ("4", "yes") or name not in data:
            data[name] = value
    for name in TEXTAREA.findall(html):
        data[name] = COMMENT
    return data


def _best_ms(action: Callable[[int], None], n: int) -> float:
    action(0)  # warm-up
    best = float("inf")
    batch = max(1, n // 5)
    for _ in range(5):
        started = time.process_time()
        for i in range(batch):
            action(i)
        best = min(best, (time.process_time() - started) / batch * 1000)
    return round(best, 3)


def app_journeys(post: bool) -> tuple[Callable[[int], None], Any]:
    """Return a journey function on a fresh app database, and the app."""
    from datetime import UTC, datetime

    from flask_migrate import upgrade

    from survey import create_app
    from survey.events.services import create_department, create_event
    from survey.extensions import db

    path = OUT / "profile-app.db"
    for suffix in ("", "-wal", "-shm"):
        OUT.joinpath(path.name + suffix).unlink(missing_ok=True)
    app = create_app(
        {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
        | {"RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        upgrade()
        department = create_department("Bench PD", "bench-pd")
        token = create_event(
            department, "National Night Out", datetime(2026, 8, 4, 23, tzinfo=UTC)
        ).token
        db.session.remove()

    def journey(i: int) -> None:
        client = app.test_client()
        url = f"/s/{token}/{'before' if i % 2 else 'after'}"
        page = client.get(url, headers={"Accept-Language": "en"})
        if post:
            sent = client.post(url, data=_answers(page.get_data(as_text=True)))
            assert sent.status_code == 303, sent.status_code

    return journey, app


def floor_journeys(post: bool) -> Callable[[int], None]:
    """Return a journey function on the floor app."""
    from bench.floor_app import create_floor_app, create_schema

    url = f"sqlite:///{OUT / 'profile-floor.db'}"
    create_schema(url)
    app = create_floor_app(url)

    def journey(_i: int) -> None:
        client = app.test_client()
        page = client.get("/form")
        if post:
            sent = client.post("/form", data=_answers(page.get_data(as_text=True)))
            assert sent.status_code == 303, sent.status_code

    return journey


def main() -> None:
    """Print CPU ms per form view and per journey for the app and the floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    get_only, _app = app_journeys(post=False)
    journey, _app = app_journeys(post=True)
    floor_get, floor_journey = floor_journeys(post=False), floor_journeys(post=True)
    figures = {
        "app GET ms": _best_ms(get_only, args.n),
        "app GET+POST ms": _best_ms(journey, args.n),
        "floor GET ms": _best_ms(floor_get, args.n),
        "floor GET+POST ms": _best_ms(floor_journey, args.n),
    }
    for name, value in figures.items():
        print(f"{name:>18}: {value}")
    print(f"{'ratio':>18}: {figures['app GET+POST ms'] / figures['floor GET+POST ms']:.2f}")
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for i in range(args.n // 2):
            journey(i)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
