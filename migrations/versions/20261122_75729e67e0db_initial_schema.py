"""Initial schema: departments, question sets, events, responses, answers, users.

Revision ID: 75729e67e0db
Revises: 
Create Date: 2026-11-22 04:11:25.267953

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '75729e67e0db'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(slug) > 0', name=op.f('ck_departments_slug_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('slug', name=op.f('uq_departments_slug'))
    )
    op.create_table('question_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_question_sets_version_positive')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_question_sets_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_sets')),
    sa.UniqueConstraint('department_id', 'name', 'version', name=op.f('uq_question_sets_department_id_name_version'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'staff', 'researcher')", name=op.f('ck_users_role_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_users_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('question_set_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=100), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('national-night-out', 'community-walk', 'town-hall', 'other')", name=op.f('ck_events_kind_known')),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_events_status_known')),
    sa.CheckConstraint('length(token) >= 16', name=op.f('ck_events_token_long_enough')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_events_department_id_departments')),
    sa.ForeignKeyConstraint(['question_set_id'], ['question_sets.id'], name=op.f('fk_events_question_set_id_question_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('token', name=op.f('uq_events_token'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_department_starts', ['department_id', 'starts_at'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_set_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=8), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('demographic', sa.Boolean(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('text_es', sa.Text(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.CheckConstraint("kind IN ('agree5', 'scale10', 'yesno', 'choice', 'text')", name=op.f('ck_questions_kind_known')),
    sa.CheckConstraint("phase IN ('both', 'before', 'after')", name=op.f('ck_questions_phase_known')),
    sa.ForeignKeyConstraint(['question_set_id'], ['question_sets.id'], name=op.f('fk_questions_question_set_id_question_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('question_set_id', 'code', name=op.f('uq_questions_question_set_id_code')),
    sa.UniqueConstraint('question_set_id', 'position', name=op.f('uq_questions_question_set_id_position'))
    )
    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=8), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('pair_key', sa.String(length=64), nullable=True),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('trust_index', sa.Float(), nullable=True),
    sa.Column('safety_index', sa.Float(), nullable=True),
    sa.Column('sentiment', sa.Float(), nullable=True),
    sa.CheckConstraint("channel = 'qr' OR pair_key IS NULL", name=op.f('ck_responses_kiosk_unpaired')),
    sa.CheckConstraint("channel IN ('qr', 'kiosk')", name=op.f('ck_responses_channel_known')),
    sa.CheckConstraint("language IN ('en', 'es')", name=op.f('ck_responses_language_known')),
    sa.CheckConstraint("phase IN ('before', 'after')", name=op.f('ck_responses_phase_known')),
    sa.CheckConstraint('safety_index BETWEEN 0 AND 100', name=op.f('ck_responses_safety_index_range')),
    sa.CheckConstraint('sentiment BETWEEN -1 AND 1', name=op.f('ck_responses_sentiment_range')),
    sa.CheckConstraint('trust_index BETWEEN 0 AND 100', name=op.f('ck_responses_trust_index_range')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_responses_event_id_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('event_id', 'phase', 'pair_key', name=op.f('uq_responses_event_id_phase_pair_key')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_responses_submission_id'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_event_phase', ['event_id', 'phase'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value_num', sa.Float(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('sentiment', sa.Float(), nullable=True),
    sa.CheckConstraint('sentiment BETWEEN -1 AND 1', name=op.f('ck_answers_sentiment_range')),
    sa.CheckConstraint('sentiment IS NULL OR value_text IS NOT NULL', name=op.f('ck_answers_sentiment_of_text')),
    sa.CheckConstraint('value_num IS NULL OR value_text IS NULL', name=op.f('ck_answers_one_value')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_answers_question_id_questions')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_answers_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_answers_response_id_question_id'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_question', ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_question')

    op.drop_table('answers')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_event_phase')

    op.drop_table('responses')
    op.drop_table('questions')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_department_starts')

    op.drop_table('events')
    op.drop_table('users')
    op.drop_table('question_sets')
    op.drop_table('departments')
