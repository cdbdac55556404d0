"""Realistic synthetic demo data: three departments, forty events, about 20,000 responses.

Shifts differ by area and event kind, residents who talked with an officer move more, some
answer in Spanish, some decline items, and most "after" answers pair with a "before".
"""

import random
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select

from survey.auth.services import create_user
from survey.events.models import Department, Event, Question
from survey.events.services import create_department, create_event, default_question_set
from survey.extensions import db
from survey.responses.models import Answer, Response
from survey.responses.pairing import pair_key
from survey.responses.services import indices
from survey.sentiment.scoring import score_text

DEMO_PASSWORD = "pulse-demo-2024"  # noqa: S105 - printed for the local demo on purpose

DEPARTMENTS = (
    (
        "Springfield Police Department",
        "springfield-pd",
        "America/Chicago",
        ("Northside", "Downtown", "Eastgate", "Riverside", "Westwood", "Southpark"),
        24,
    ),
    (
        "Fairview Police Department",
        "fairview-pd",
        "America/New_York",
        ("Hillcrest", "Old Town", "Harbor", "Midtown"),
        10,
    ),
    (
        "Lakeview County Sheriff",
        "lakeview-so",
        "America/Denver",
        ("Lakeshore", "Pine Hills", "Valley"),
        6,
    ),
)

# Baseline trust (1–5 scale) differs by area, and the event's effect differs by kind.
AREA_BASELINE = (-0.55, 0.15, -0.25, 0.35, 0.05, -0.4)
KIND_SHIFT = {"national-night-out": 0.32, "community-walk": 0.22, "town-hall": 0.06, "other": 0.12}

CONCERNS_EN = (
    "Speeding on our street, kids play there every day.",
    "Car break-ins near the park at night.",
    "Drug dealing by the corner store, it feels unsafe.",
    "More patrols after dark would help.",
    "Loud parties every weekend.",
    "Response times are too slow when we call.",
    "Street lights are broken and nobody fixes them.",
    "Package theft from porches.",
    "Homeless encampment by the creek, people need help not arrests.",
    "Nothing major, it is a quiet and nice neighborhood.",
)
CONCERNS_ES = (
    "Los carros pasan muy rápido por nuestra calle.",
    "Robos de autos cerca del parque por la noche.",
    "Venta de drogas en la esquina, no me siento seguro.",
    "Más patrullas en la noche, por favor.",
    "Las luces de la calle no funcionan.",
)
COMMENTS_EN = (
    "Great event, the officers were friendly and really listened.",
    "Thank you for coming out, my kids loved the fire truck.",
    "It was nice to meet the officers who patrol our block.",
    "Good food and good conversations. Please do this more often.",
    "Honestly I still do not trust them, nothing changed.",
    "The event was boring and too short.",
    "Officers were helpful and answered all my questions.",
    "I wish more officers had talked with residents instead of standing together.",
    "Terrible parking and nobody explained anything.",
    "Wonderful evening, I feel much better about our neighborhood police.",
    "Okay event.",
    "Please come back to Eastgate, we need you here.",
)
COMMENTS_ES = (
    "Muy buen evento, los oficiales fueron amables.",
    "Gracias por venir, a mis hijos les encantó.",
    "Me gustaría que hablaran más con los vecinos.",
    "Necesitamos más información en español.",
    "Excelente convivencia con la policía.",
)


def first_tuesday_of_august(year: int, zone: ZoneInfo) -> datetime:
    """Return National Night Out of the year: the first Tuesday of August, 18:00 local time."""
    day = datetime(year, 8, 1, 18, 0, tzinfo=zone)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _event_plan(
    rng: random.Random, areas: tuple[str, ...], count: int, zone: ZoneInfo
) -> Iterator[tuple[str, str, str, datetime]]:
    """Yield (name, kind, area, start) for a department's events over three years."""
    for index in range(count):
        year = 2024 + index * 3 // count
        area = areas[index % len(areas)]
        if index % 3 == 0:
            start = first_tuesday_of_august(year, zone)
            yield f"National Night Out {year} – {area}", "national-night-out", area, start
            continue
        kind = rng.choice(("community-walk", "town-hall", "community-walk", "other"))
        start = datetime(
            year, rng.randint(1, 11), rng.randint(1, 28), rng.choice((10, 17, 18)), tzinfo=zone
        )
        label = {
            "community-walk": "Community walk",
            "town-hall": "Town hall",
            "other": "Coffee with a cop",
        }[kind]
        yield f"{label} – {area} ({start:%b %Y})", kind, area, start


def load_demo(seed: int = 2024) -> tuple[str, list[tuple[str, str, str]]]:
    """Create the demo departments, users, events and responses unless they exist.

    Returns a summary of what was created ("" when nothing was) and the demo logins
    as (email, role, department name).
    """
    rng = random.Random(seed)
    logins = [
        (f"{role}@{slug}.example", role, name)
        for name, slug, *_ in DEPARTMENTS
        for role in ("admin", "staff", "researcher")
    ]
    if db.session.scalar(select(Department.id).where(Department.slug == DEPARTMENTS[0][1])):
        return "", logins

    total_events = total_responses = 0
    for name, slug, timezone, areas, event_count in DEPARTMENTS:
        department = create_department(name, slug, timezone, list(areas))
        for role in ("admin", "staff", "researcher"):
            create_user(f"{role}@{slug}.example", DEMO_PASSWORD, department, role)
        question_set = default_question_set(department)
        questions = {q.code: q for q in question_set.questions}
        plan = list(_event_plan(rng, areas, event_count, ZoneInfo(timezone)))
        for position, (event_name, kind, area, start) in enumerate(plan):
            is_last = position == len(plan) - 1
            event = create_event(
                department,
                event_name,
                start,
                kind=kind,
                area=area,
                status="open" if is_last else "closed",
            )
            area_effect = AREA_BASELINE[areas.index(area) % len(AREA_BASELINE)]
            total_responses += _responses_for(rng, event, questions, area_effect, KIND_SHIFT[kind])
            total_events += 1
        create_event(
            department,
            "Spring town hall (planning)",
            datetime(2027, 3, 10, 18, tzinfo=ZoneInfo(timezone)),
            kind="town-hall",
            area=areas[0],
            status="draft",
        )
        total_events += 1
    return (
        f"{len(DEPARTMENTS)} departments, {total_events} events, {total_responses:,} responses",
        logins,
    )


def _likert(rng: random.Random, latent: float) -> float | None:
    """Return a 1–5 answer around the latent attitude; about 3% prefer not to say."""
    if rng.random() < 0.03:
        return None
    return float(min(5, max(1, round(latent + rng.gauss(0, 0.7)))))


def _responses_for(
    rng: random.Random,
    event: Event,
    questions: dict[str, Question],
    area_effect: float,
    kind_shift: float,
) -> int:
    """Insert one event's responses in bulk and return how many were stored."""
    secret = current_app.config["SECRET_KEY"]
    scores: dict[str, float | None] = {}
    response_rows: list[dict[str, object]] = []
    answer_sets: list[dict[str, float | str | None]] = []
    attendees = rng.randint(250, 420)
    for _ in range(attendees):
        spanish = rng.random() < 0.18
        latent = 3.1 + area_effect + rng.gauss(0, 0.8)
        talked = rng.random() < 0.45
        shift = kind_shift + (0.25 if talked else -0.05) + rng.gauss(0, 0.3)
        cookie = secrets.token_hex(16)
        kiosk = rng.random() < 0.08
        key = None if kiosk else pair_key(secret, event.id, cookie)
        phases = []
        if rng.random() < 0.85:
            phases.append("before")
        if rng.random() < (0.6 if phases else 0.9):
            phases.append("after")
        for phase in phases:
            level = latent + (shift if phase == "after" else 0.0)
            answers: dict[str, float | str | None] = {
                code: _likert(rng, level + (0.3 if code == "CONTACT" else 0.0))
                for code in ("SAFE", "TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT")
            }
            if phase == "before" and rng.random() < 0.35:
                answers["CONCERN"] = rng.choice(CONCERNS_ES if spanish else CONCERNS_EN)
            if phase == "after":
                answers["TALKED"] = 1.0 if talked else 0.0
                answers["EVENT"] = _likert(rng, 3.4 + shift * 2)
                if rng.random() < 0.3:
                    answers["COMMENT"] = rng.choice(COMMENTS_ES if spanish else COMMENTS_EN)
            texts = [v for v in answers.values() if isinstance(v, str)]
            for text in texts:
                if text not in scores:
                    scored = score_text(text)
                    scores[text] = scored.polarity if scored else None
            polarities = [p for p in (scores[t] for t in texts) if p is not None]
            trust, safety = indices(answers)
            offset = rng.randint(0, 50) if phase == "before" else rng.randint(70, 150)
            response_rows.append(
                {
                    "event_id": event.id,
                    "question_set_id": event.question_set_id,
                    "phase": phase,
                    "language": "es" if spanish else "en",
                    "channel": "kiosk" if kiosk else "qr",
                    "submitted_at": event.starts_at + timedelta(minutes=offset),
                    "pair_key": key,
                    "submission_id": secrets.token_hex(16),
                    "trust_index": trust,
                    "safety_index": safety,
                    "sentiment": round(sum(polarities) / len(polarities), 4)
                    if polarities
                    else None,
                }
            )
            answer_sets.append(answers)
    ids = db.session.scalars(
        insert(Response).returning(Response.id, sort_by_parameter_order=True), response_rows
    ).all()
    answer_rows = [
        {
            "response_id": response_id,
            "question_id": questions[code].id,
            "question_set_id": questions[code].question_set_id,
            "value_num": None if isinstance(value, str) else value,
            "value_text": value if isinstance(value, str) else None,
            "sentiment": scores.get(value) if isinstance(value, str) else None,
        }
        for response_id, answers in zip(ids, answer_sets, strict=True)
        for code, value in answers.items()
    ]
    db.session.execute(insert(Answer), answer_rows)
    db.session.commit()
    return len(response_rows)
