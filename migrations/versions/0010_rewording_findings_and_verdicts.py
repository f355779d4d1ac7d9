"""rewording: stored findings, rules version, coordinator verdicts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rewording_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('findings', sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column('rules_version', sa.String(length=40), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('coordinator_verdict', sa.String(length=20), nullable=True))
    op.execute("UPDATE rewording_responses SET findings = '[]' WHERE findings IS NULL")
    with op.batch_alter_table('rewording_responses', schema=None) as batch_op:
        batch_op.alter_column('findings', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('rules_version', server_default=None)
    with op.batch_alter_table('rewording_review_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verdict', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('rewording_review_notes', schema=None) as batch_op:
        batch_op.drop_column('verdict')
    with op.batch_alter_table('rewording_responses', schema=None) as batch_op:
        batch_op.drop_column('coordinator_verdict')
        batch_op.drop_column('rules_version')
        batch_op.drop_column('findings')
