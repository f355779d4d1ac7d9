"""cohort due dates and closing, import link downloads, organisation logos

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
# After both issue 12 branches' migrations, which this branch has merged.
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('enrolment_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('links_downloaded_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_type', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('logo_type')
        batch_op.drop_column('logo')

    with op.batch_alter_table('enrolment_imports', schema=None) as batch_op:
        batch_op.drop_column('links_downloaded_at')

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
        batch_op.drop_column('due_on')
