"""The SQL layer: labels agree with the scorer's rule, and pages cost a fixed number of queries."""

from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, update

from survey.dashboard import queries
from survey.extensions import db
from survey.responses.models import Answer
from survey.sentiment.scoring import label_for
from tests.dashboard.conftest import ITEMS

BOUNDARIES = [0.1, 0.1001, -0.1, -0.1001, 0.0, None, 1.0, -1.0]


def test_sql_labels_follow_the_scorers_thresholds(app, make_event, respond):
    event = make_event()
    for number, _polarity in enumerate(BOUNDARIES):
        respond(event, "after", {"COMMENT": f"comment {number}"}, phone=f"p{number}")
    ids = db.session.scalars(
        select(Answer.id).where(Answer.value_text.is_not(None)).order_by(Answer.id)
    ).all()
    for answer_id, polarity in zip(ids, BOUNDARIES, strict=True):
        db.session.execute(update(Answer).where(Answer.id == answer_id).values(sentiment=polarity))
    db.session.commit()

    counted = {row.label: row.count for row in queries.label_counts(event.id)}
    assert counted == dict(Counter(label_for(p) for p in BOUNDARIES))
    # 0.1 exactly is neutral, as label_for says; 0.1001 is positive.
    assert counted == {"positive": 2, "negative": 2, "neutral": 3, "unscored": 1}
    neutral = queries.comments(event.id, "neutral", limit=10, offset=0)
    assert sorted(row.sentiment for row in neutral) == [-0.1, 0.0, 0.1]


@contextmanager
def counting_statements():
    """Count the SQL statements sent to the database inside the block."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def staff_client(client, login, make_user, make_department):
    department = make_department()
    login(make_user("staff", department=department))
    return client, department


def fill(respond, event, count):
    for number in range(count):
        respond(event, "before", dict.fromkeys(ITEMS, 2 + number % 3), phone=f"p{number}")
        respond(
            event,
            "after",
            dict.fromkeys(ITEMS, 3 + number % 3) | {"TALKED": number % 2, "COMMENT": "Great."},
            phone=f"p{number}",
        )


def test_a_report_costs_the_same_queries_for_any_turnout(staff_client, make_event, respond):
    client, department = staff_client
    small, large = make_event(department), make_event(department)
    fill(respond, small, 10)
    fill(respond, large, 60)
    counts = []
    for event in (small, large):
        with counting_statements() as statements:
            assert client.get(f"/staff/events/{event.id}/report").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_trends_cost_the_same_queries_for_any_number_of_events(staff_client, make_event, respond):
    client, department = staff_client
    first = make_event(department, starts_at=datetime(2025, 1, 5, 18, tzinfo=UTC))
    fill(respond, first, 10)
    with counting_statements() as one_event:
        assert client.get("/staff/trends?by=event").status_code == 200
    for month in range(2, 8):
        later = make_event(department, starts_at=datetime(2025, month, 5, 18, tzinfo=UTC))
        fill(respond, later, 10)
    with counting_statements() as seven_events:
        assert client.get("/staff/trends?by=event").status_code == 200
    assert len(one_event) == len(seven_events)
