"""Question-set keys: an answer's question is of its response's set, an event's set is its own.

Until now the services kept these rules; the database now refuses a row that breaks them.
Responses and answers carry their question set, filled in from their event and response.

Revision ID: c3f1a9d20b77
Revises: b844a3ddcd1e
Create Date: 2026-11-30 03:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c3f1a9d20b77"
down_revision = "b844a3ddcd1e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question_sets") as batch:
        batch.create_unique_constraint("uq_question_sets_department_id_id", ["department_id", "id"])
    with op.batch_alter_table("questions") as batch:
        batch.create_unique_constraint("uq_questions_id_question_set_id", ["id", "question_set_id"])
    with op.batch_alter_table("events") as batch:
        batch.create_unique_constraint("uq_events_id_question_set_id", ["id", "question_set_id"])
        batch.create_foreign_key(
            "fk_events_own_question_set",
            "question_sets",
            ["department_id", "question_set_id"],
            ["department_id", "id"],
        )

    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("question_set_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE responses SET question_set_id = "
        "(SELECT events.question_set_id FROM events WHERE events.id = responses.event_id)"
    )
    with op.batch_alter_table("responses") as batch:
        batch.alter_column("question_set_id", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_responses_id_question_set_id", ["id", "question_set_id"])
        batch.create_foreign_key(
            "fk_responses_event_question_set",
            "events",
            ["event_id", "question_set_id"],
            ["id", "question_set_id"],
        )

    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("question_set_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE answers SET question_set_id = (SELECT responses.question_set_id "
        "FROM responses WHERE responses.id = answers.response_id)"
    )
    with op.batch_alter_table("answers") as batch:
        batch.alter_column("question_set_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_answers_response_question_set",
            "responses",
            ["response_id", "question_set_id"],
            ["id", "question_set_id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            "fk_answers_question_question_set",
            "questions",
            ["question_id", "question_set_id"],
            ["id", "question_set_id"],
        )


def downgrade():
    with op.batch_alter_table("answers") as batch:
        batch.drop_constraint("fk_answers_question_question_set", type_="foreignkey")
        batch.drop_constraint("fk_answers_response_question_set", type_="foreignkey")
        batch.drop_column("question_set_id")
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint("fk_responses_event_question_set", type_="foreignkey")
        batch.drop_constraint("uq_responses_id_question_set_id", type_="unique")
        batch.drop_column("question_set_id")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("fk_events_own_question_set", type_="foreignkey")
        batch.drop_constraint("uq_events_id_question_set_id", type_="unique")
    with op.batch_alter_table("questions") as batch:
        batch.drop_constraint("uq_questions_id_question_set_id", type_="unique")
    with op.batch_alter_table("question_sets") as batch:
        batch.drop_constraint("uq_question_sets_department_id_id", type_="unique")
