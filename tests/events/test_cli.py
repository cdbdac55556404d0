"""The command line contract of DESIGN.md, through Flask's CLI runner."""

import json
from typing import Any

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from survey.auth.models import User
from survey.events.models import Department, Event, Question
from survey.extensions import db
from survey.responses.models import Answer, Response


def test_create_department_gets_the_default_instrument(runner):
    result = runner.invoke(
        args=[
            "create-department",
            "Springfield PD",
            "--slug",
            "springfield",
            "--timezone",
            "America/Chicago",
            "--area",
            "Northside",
            "--area",
            "Downtown",
        ]
    )
    assert result.exit_code == 0, result.output
    department = db.session.scalar(select(Department))
    assert (department.slug, department.timezone, department.areas) == (
        "springfield",
        "America/Chicago",
        ["Northside", "Downtown"],
    )
    codes = db.session.scalars(select(Question.code).order_by(Question.position)).all()
    assert codes == [
        "SAFE",
        "TRUST",
        "RESPECT",
        "LISTEN",
        "FAIR",
        "CONTACT",
        "CONCERN",
        "TALKED",
        "EVENT",
        "COMMENT",
    ]


def test_create_department_refuses_bad_input_with_a_message(runner):
    bad_zone = runner.invoke(
        args=["create-department", "X", "--slug", "x", "--timezone", "Mars/Olympus"]
    )
    assert bad_zone.exit_code == 1
    assert "Unknown time zone" in bad_zone.output
    bad_slug = runner.invoke(args=["create-department", "X", "--slug", "Not A Slug"])
    assert bad_slug.exit_code == 1
    assert "slug" in bad_slug.output
    assert db.session.scalar(select(func.count(Department.id))) == 0


def test_create_user_reads_the_password_from_stdin(runner, make_department, client):
    make_department(slug="springfield")
    result = runner.invoke(
        args=[
            "create-user",
            "Chief@Example.org",
            "--department",
            "springfield",
            "--role",
            "admin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("chief@example.org", "admin")
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("a long enough password")


def test_create_user_refuses_unknown_department_and_short_password(runner, make_department):
    make_department(slug="springfield")
    unknown = runner.invoke(
        args=["create-user", "a@b.org", "--department", "nowhere", "--role", "staff"],
        input="a long enough password\n",
    )
    assert unknown.exit_code == 1
    assert "No department" in unknown.output
    short = runner.invoke(
        args=["create-user", "a@b.org", "--department", "springfield", "--role", "staff"],
        input="short\n",
    )
    assert short.exit_code == 1
    assert "at least 10" in short.output


def test_create_event_prints_json_with_working_urls(runner, make_department, client):
    make_department(slug="springfield", timezone="America/Chicago")
    result = runner.invoke(
        args=[
            "create-event",
            "--department",
            "springfield",
            "--name",
            "NNO 2026",
            "--starts",
            "2026-08-04 18:00",
            "--area",
            "Northside",
            "--kind",
            "national-night-out",
        ]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    event = db.session.get(Event, payload["id"])
    assert payload["before_url"] == f"https://pulse.test/s/{event.token}/before"
    assert payload["after_url"] == f"https://pulse.test/s/{event.token}/after"
    assert event.starts_at.isoformat() == "2026-08-04T23:00:00+00:00"  # 18:00 CDT
    assert client.get(payload["before_url"].removeprefix("https://pulse.test")).status_code == 200


def test_create_event_refuses_a_bad_time(runner, make_department):
    make_department(slug="springfield")
    result = runner.invoke(
        args=["create-event", "--department", "springfield", "--name", "X", "--starts", "tomorrow"]
    )
    assert result.exit_code == 1
    assert "YYYY-MM-DD HH:MM" in result.output


def test_qr_png_decodes_to_the_event_url(runner, make_event, tmp_path):
    event = make_event()
    output = tmp_path / "before.png"
    result = runner.invoke(
        args=["qr", str(event.id), "--phase", "before", "--format", "png", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    (decoded,) = zxingcpp.read_barcodes(Image.open(output))
    assert decoded.text == f"https://pulse.test/s/{event.token}/before"
    assert decoded.format == zxingcpp.BarcodeFormat.QRCode
    assert decoded.ec_level == "Q"


def test_qr_svg_is_written(runner, make_event, tmp_path):
    event = make_event()
    output = tmp_path / "after.svg"
    result = runner.invoke(
        args=["qr", str(event.id), "--phase", "after", "--format", "svg", "--output", str(output)]
    )
    assert result.exit_code == 0
    assert output.read_text().lstrip().startswith("<?xml")
    assert "<svg" in output.read_text()


def test_qr_of_unknown_event(runner, tmp_path):
    result = runner.invoke(
        args=["qr", "999", "--phase", "before", "--output", str(tmp_path / "x.png")]
    )
    assert result.exit_code == 1
    assert "No event with id 999" in result.output


def trust_shift_by(column: Any) -> dict[str, float]:
    """Return mean trust index after minus mean before, per value of an event column."""
    means = db.session.execute(
        select(column, Response.phase, func.avg(Response.trust_index))
        .join(Event, Event.id == Response.event_id)
        .group_by(column, Response.phase)
    ).all()
    by_phase: dict[str, dict[str, float]] = {}
    for group, phase, mean in means:
        by_phase.setdefault(group, {})[phase] = float(mean)
    return {group: phases["after"] - phases["before"] for group, phases in by_phase.items()}


def text_answers_by_language() -> dict[str, tuple[int, int]]:
    """Return {language: (text answers, text answers with a sentiment)}."""
    rows = db.session.execute(
        select(Response.language, func.count(Answer.id), func.count(Answer.sentiment))
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.value_text.is_not(None))
        .group_by(Response.language)
    ).all()
    return {language: (total, scored) for language, total, scored in rows}


def test_demo_loads_realistic_data_once(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@springfield-pd.example" in first.output
    assert db.session.scalar(select(func.count(Department.id))) >= 3
    assert db.session.scalar(select(func.count(Event.id))) >= 40
    responses = db.session.scalar(select(func.count(Response.id)))
    assert 15_000 <= responses <= 25_000
    areas = db.session.scalar(select(func.count(func.distinct(Event.area))))
    assert areas >= 6
    paired = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(
            Response.phase == "after",
            Response.pair_key.in_(select(Response.pair_key).where(Response.phase == "before")),
        )
    )
    assert paired > 3000
    spanish = db.session.scalar(select(func.count(Response.id)).where(Response.language == "es"))
    assert spanish > 1000
    years = {e.starts_at.year for e in db.session.scalars(select(Event))}
    assert len(years) >= 3
    # What the demo is for: the before-to-after shift in trust differs by area and by kind.
    by_area, by_kind = trust_shift_by(Event.area), trust_shift_by(Event.kind)
    assert len(by_area) >= 6
    assert max(by_area.values()) - min(by_area.values()) >= 3, by_area  # index points
    assert set(by_kind) == {"national-night-out", "community-walk", "town-hall", "other"}
    assert max(by_kind.values()) - min(by_kind.values()) >= 3, by_kind
    assert by_kind["national-night-out"] > by_kind["town-hall"] > 0, by_kind
    # Comments in both languages; only English ones are scored, Spanish ones stay NULL.
    comments = text_answers_by_language()
    assert set(comments) == {"en", "es"}
    assert comments["en"][0] > 1000
    assert comments["en"][1] > comments["en"][0] * 0.8  # English comments have a sentiment
    assert comments["es"][0] > 200
    assert comments["es"][1] == 0  # no Spanish comment is scored
    spanish_scored = select(func.count(Response.id)).where(
        Response.language == "es", Response.sentiment.is_not(None)
    )
    assert db.session.scalar(spanish_scored) == 0
    # Idempotent: a second run adds nothing.
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already present" in second.output
    assert db.session.scalar(select(func.count(Response.id))) == responses
