"""Export log: one row per researcher export (who, when, filters, rows, suppressions).

Revision ID: b844a3ddcd1e
Revises: 75729e67e0db
Create Date: 2026-11-22 04:43:03.645283

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b844a3ddcd1e'
down_revision = '75729e67e0db'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('with_comments', sa.Boolean(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('rows_written', sa.Integer(), nullable=False),
    sa.Column('rows_dropped', sa.Integer(), nullable=False),
    sa.Column('cells_suppressed', sa.Integer(), nullable=False),
    sa.Column('pair_links_withheld', sa.Integer(), nullable=False),
    sa.CheckConstraint("(source = 'cli' AND user_id IS NULL) OR (source = 'web' AND user_id IS NOT NULL)", name=op.f('ck_export_records_user_matches_source')),
    sa.CheckConstraint("source IN ('web', 'cli')", name=op.f('ck_export_records_source_known')),
    sa.CheckConstraint('k >= 1', name=op.f('ck_export_records_k_positive')),
    sa.CheckConstraint('rows_written >= 0 AND rows_dropped >= 0 AND cells_suppressed >= 0 AND pair_links_withheld >= 0', name=op.f('ck_export_records_counts_not_negative')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_export_records_department_id_departments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_export_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_records'))
    )
    with op.batch_alter_table('export_records', schema=None) as batch_op:
        batch_op.create_index('ix_export_records_department_created', ['department_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('export_records', schema=None) as batch_op:
        batch_op.drop_index('ix_export_records_department_created')

    op.drop_table('export_records')
