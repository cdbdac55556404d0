"""Creating and changing departments and events; each function owns its transaction."""

import re
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from survey.database import utcnow
from survey.events.instrument import DEFAULT_SET_NAME, default_question_rows
from survey.events.models import EVENT_KINDS, EVENT_STATUSES, Department, Event, QuestionSet
from survey.events.models import Question as QuestionModel
from survey.events.queries import event_has_responses
from survey.extensions import db

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class InvalidInput(ValueError):
    """A value from a form or the command line that cannot be accepted, with the reason."""


def validate_timezone(name: str) -> str:
    """Return the IANA zone name if it exists; event times are entered in local time."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"Unknown time zone {name!r} (use an IANA name like America/Chicago)"
        ) from exc
    return name


def create_department(
    name: str, slug: str, timezone: str = "America/New_York", areas: list[str] | None = None
) -> Department:
    """Create a department with its own copy of the default instrument."""
    name = name.strip()
    if not name:
        raise InvalidInput("The department needs a name.")
    if not SLUG_RE.match(slug):
        raise InvalidInput(
            "A slug is lower-case letters, digits and hyphens, e.g. 'springfield-pd'."
        )
    if db.session.scalar(select(Department.id).where(Department.slug == slug)) is not None:
        raise InvalidInput(f"A department with slug {slug!r} already exists.")
    department = Department(
        name=name, slug=slug, timezone=validate_timezone(timezone), areas=list(areas or [])
    )
    question_set = QuestionSet(department=department, name=DEFAULT_SET_NAME, version=1)
    question_set.questions = [QuestionModel(**row) for row in default_question_rows()]
    db.session.add_all([department, question_set])
    db.session.commit()
    return department


def department_by_slug(slug: str) -> Department:
    """Return the department or raise InvalidInput naming the slug that was not found."""
    department = db.session.scalar(select(Department).where(Department.slug == slug))
    if department is None:
        raise InvalidInput(f"No department with slug {slug!r}.")
    return department


def default_question_set(department: Department) -> QuestionSet:
    """Return the newest version of the department's default instrument."""
    question_set = db.session.scalar(
        select(QuestionSet)
        .where(QuestionSet.department_id == department.id, QuestionSet.name == DEFAULT_SET_NAME)
        .order_by(QuestionSet.version.desc())
        .limit(1)
    )
    if question_set is None:
        raise InvalidInput(f"Department {department.slug!r} has no question set.")
    return question_set


def new_event_token() -> str:
    """Return a random, URL-safe, unguessable event handle (128 bits)."""
    return secrets.token_urlsafe(16)


def parse_local_time(value: str, timezone: str) -> datetime:
    """Parse "YYYY-MM-DD HH:MM" in the department's zone and return an aware datetime."""
    try:
        naive = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")  # noqa: DTZ007 - zone added below
    except ValueError as exc:
        raise InvalidInput(f"Start time {value!r} is not in the form YYYY-MM-DD HH:MM.") from exc
    return naive.replace(tzinfo=ZoneInfo(timezone))


def create_event(
    department: Department,
    name: str,
    starts_at: datetime,
    *,
    kind: str = "other",
    area: str | None = None,
    status: str = "open",
    question_set: QuestionSet | None = None,
) -> Event:
    """Create an event with a fresh public token; staff open it to start taking answers."""
    name = name.strip()
    if not name:
        raise InvalidInput("The event needs a name.")
    if kind not in EVENT_KINDS:
        raise InvalidInput(f"Event kind must be one of: {', '.join(EVENT_KINDS)}.")
    if status not in EVENT_STATUSES:
        raise InvalidInput(f"Event status must be one of: {', '.join(EVENT_STATUSES)}.")
    if question_set is not None and question_set.department_id != department.id:
        raise InvalidInput("That question set belongs to another department.")
    event = Event(
        department=department,
        question_set=question_set or default_question_set(department),
        name=name,
        kind=kind,
        area=normalize_area(department, area),
        starts_at=starts_at,
        status=status,
        token=new_event_token(),
    )
    db.session.add(event)
    db.session.commit()
    return event


def set_event_status(event: Event, status: str) -> Event:
    """Open, close or reopen an event; closed events answer residents with a friendly 410."""
    if status not in EVENT_STATUSES:
        raise InvalidInput(f"Event status must be one of: {', '.join(EVENT_STATUSES)}.")
    event.status = status
    event.closed_at = utcnow() if status == "closed" else None
    db.session.commit()
    return event


def normalize_area(department: Department, area: str | None) -> str | None:
    """Return the area as the department's list spells it, else the trimmed free text.

    "northside " and "Northside" must be one area, or trends would split one neighbourhood in
    two; a name not on the list is kept as typed (some events are outside every listed area).
    """
    area = " ".join((area or "").split())
    if not area:
        return None
    for listed in department.areas or []:
        if listed.casefold() == area.casefold():
            return str(listed)
    if len(area) > 100:
        raise InvalidInput("An area name has at most 100 characters.")
    return area


def local_to_utc(naive: datetime, timezone: str) -> datetime:
    """Attach the department's zone to a wall-clock time and refuse one that never happens.

    On the spring-forward night 02:30 does not exist; storing it would silently move the
    event by an hour, so staff are asked for a real time instead.
    """
    zone = ZoneInfo(timezone)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise InvalidInput(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {timezone} (the clocks change that "
            "night). Please choose another time."
        )
    return aware


def update_event(
    event: Event,
    *,
    name: str,
    starts_at: datetime,
    kind: str,
    area: str | None,
    question_set: QuestionSet,
) -> Event:
    """Change an event's details; its question set only while nobody has answered it.

    Answers point at the questions they answered, so an event with responses keeps its
    question set: mixing two instruments in one event would make before/after meaningless.
    """
    name = name.strip()
    if not name:
        raise InvalidInput("The event needs a name.")
    if kind not in EVENT_KINDS:
        raise InvalidInput(f"Event kind must be one of: {', '.join(EVENT_KINDS)}.")
    if question_set.department_id != event.department_id:
        raise InvalidInput("That question set belongs to another department.")
    if question_set.id != event.question_set_id and event_has_responses(event.id):
        raise InvalidInput(
            "This event already has responses, so its question set can no longer change."
        )
    event.name = name
    event.starts_at = starts_at
    event.kind = kind
    event.area = normalize_area(event.department, area)
    event.question_set = question_set
    db.session.commit()
    return event


# Which status each staff action moves an event to, and from which statuses it may.
STATUS_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": ("open", ("draft", "closed")),
    "close": ("closed", ("open",)),
}


def change_event_status(event: Event, action: str) -> Event:
    """Open (or reopen) or close an event, refusing moves that make no sense.

    Residents see a 404 while the event is a draft, the survey while it is open, and a
    friendly 410 once it is closed (after a grace period for forms already on phones).
    """
    if action not in STATUS_ACTIONS:
        raise InvalidInput(f"Unknown action {action!r}.")
    target, sources = STATUS_ACTIONS[action]
    if event.status not in sources:
        raise InvalidInput(f"The event is already {event.status}.")
    return set_event_status(event, target)
