"""report versions: a counter per organisation, bumped by every change to report data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_versions',
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_report_versions'))
    )


def downgrade():
    op.drop_table('report_versions')
