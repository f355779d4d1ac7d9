"""local procedures

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('local_procedures',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('safeguarding_lead', sa.Text(), nullable=False),
    sa.Column('out_of_hours', sa.Text(), nullable=False),
    sa.Column('local_services', sa.Text(), nullable=False),
    sa.Column('marac_referral', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_local_procedures_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_local_procedures_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_local_procedures'))
    )
    with op.batch_alter_table('local_procedures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_procedures_updated_by'), ['updated_by'], unique=False)


def downgrade():
    with op.batch_alter_table('local_procedures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_procedures_updated_by'))

    op.drop_table('local_procedures')
