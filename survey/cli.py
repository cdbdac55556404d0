"""The command line of DESIGN.md; each command is a thin wrapper around a service function."""

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from survey.events.links import survey_url
from survey.events.models import EVENT_KINDS, PHASES, Event
from survey.events.qr import qr_png, qr_svg
from survey.events.services import (
    InvalidInput,
    create_department,
    create_event,
    department_by_slug,
    parse_local_time,
)
from survey.extensions import db


def _fail(error: Exception) -> None:
    """Turn a refused input into a one-line error and exit status 1, never a traceback."""
    raise click.ClickException(str(error)) from error


@click.command("create-department")
@click.argument("name")
@click.option("--slug", required=True, help="Short lower-case id, e.g. springfield-pd.")
@click.option("--timezone", default="America/New_York", show_default=True, help="IANA zone.")
@click.option("--area", "areas", multiple=True, help="A neighbourhood or beat; repeatable.")
@with_appcontext
def create_department_command(name: str, slug: str, timezone: str, areas: tuple[str, ...]) -> None:
    """Create a department with the default question set."""
    try:
        department = create_department(name, slug, timezone, list(areas))
    except InvalidInput as error:
        _fail(error)
    click.echo(f"Created department {department.slug} (id {department.id}).")


@click.command("create-user")
@click.argument("email")
@click.option("--department", "slug", required=True, help="Department slug.")
@click.option("--role", type=click.Choice(["admin", "staff", "researcher"]), required=True)
@with_appcontext
def create_user_command(email: str, slug: str, role: str) -> None:
    """Create a user; the password is read from standard input or prompted for."""
    from survey.auth.services import create_user

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(email, password, department_by_slug(slug), role)
    except InvalidInput as error:
        _fail(error)
    click.echo(f"Created {user.role} {user.email} in {slug}.")


@click.command("create-event")
@click.option("--department", "slug", required=True, help="Department slug.")
@click.option("--name", required=True)
@click.option("--starts", required=True, help='Local start time, "YYYY-MM-DD HH:MM".')
@click.option("--area", default=None)
@click.option("--kind", type=click.Choice(EVENT_KINDS), default="other", show_default=True)
@click.option(
    "--status",
    type=click.Choice(["draft", "open"]),
    default="open",
    show_default=True,
    help="Open events take answers at once; drafts answer 404 until opened.",
)
@with_appcontext
def create_event_command(
    slug: str, name: str, starts: str, area: str | None, kind: str, status: str
) -> None:
    """Create an event and print it as one JSON object (id, before_url, after_url, ...)."""
    try:
        department = department_by_slug(slug)
        event = create_event(
            department,
            name,
            parse_local_time(starts, department.timezone),
            kind=kind,
            area=area,
            status=status,
        )
    except InvalidInput as error:
        _fail(error)
    click.echo(
        json.dumps(
            {
                "id": event.id,
                "name": event.name,
                "status": event.status,
                "before_url": survey_url(event, "before"),
                "after_url": survey_url(event, "after"),
            }
        )
    )


@click.command("qr")
@click.argument("event_id", type=int)
@click.option("--phase", type=click.Choice(PHASES), required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["png", "svg"]), default="png", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def qr_command(event_id: int, phase: str, fmt: str, output: Path) -> None:
    """Write the QR code of an event's before or after survey to a file."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"No event with id {event_id}.")
    url = survey_url(event, phase)
    output.write_bytes(qr_png(url) if fmt == "png" else qr_svg(url))
    click.echo(f"Wrote {output} ({url}).")


@click.command("demo")
@click.option("--seed", default=2024, show_default=True, help="Same seed, same data.")
@with_appcontext
def demo_command(seed: int) -> None:
    """Load realistic synthetic demo data once, and print the demo logins."""
    from survey.demo import DEMO_PASSWORD, load_demo

    created, logins = load_demo(seed)
    if created:
        click.echo(f"Loaded demo data: {created}.")
    else:
        click.echo("Demo data already present; nothing added.")
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    click.echo(f"\nSign in at {base}/staff/login with password {DEMO_PASSWORD!r}:")
    for email, role, department in logins:
        click.echo(f"  {role:<11} {email:<40} {department}")


@click.command("export")
@click.option("--department", "slug", required=True, help="Department slug.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The zip to write, e.g. pulse-export.zip.",
)
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First event day.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last event day.")
@click.option("--area", "areas", multiple=True, help="Only this area; repeatable.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(EVENT_KINDS), help="Repeatable.")
@click.option("--with-comments", is_flag=True, help="Include free text, scrubbed.")
@with_appcontext
def export_command(
    slug: str,
    output: Path,
    date_from: datetime | None,
    date_to: datetime | None,
    areas: tuple[str, ...],
    kinds: tuple[str, ...],
    with_comments: bool,
) -> None:
    """Write the department's anonymized researcher export (zip) and log it as "cli"."""
    from survey.export.bundle import export_to_file
    from survey.export.filters import ExportFilters

    if date_from and date_to and date_to < date_from:
        raise click.BadParameter("--to is before --from.", param_hint="--to")
    filters = ExportFilters(
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        areas=areas,
        kinds=kinds,
        with_comments=with_comments,
    )
    try:
        department = department_by_slug(slug)
    except InvalidInput as error:
        _fail(error)
    prepared = export_to_file(department, filters, current_app.config["EXPORT_K"], output)
    stats = prepared.stats
    click.echo(
        f"Wrote {output}: {stats.rows:,} rows, k = {prepared.k}, "
        f"{stats.cells_generalized:,} cells generalized or suppressed, "
        f"{stats.rows_dropped:,} rows left out, "
        f"{prepared.pair_links_withheld:,} pair links withheld."
    )


commands = [
    create_department_command,
    create_user_command,
    create_event_command,
    qr_command,
    demo_command,
    export_command,
]
