"""background jobs, sweep notices, reminders turned off

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
# After issue 16's migration (cohort due dates), which this branch has merged.
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('state', sa.Enum('QUEUED', 'RUNNING', 'FINISHED', 'FAILED', name='jobstate', native_enum=False, length=20), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_jobs_organisation_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_jobs_started_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_started_by_id'), ['started_by_id'], unique=False)

    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('period', sa.String(length=80), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
        sa.UniqueConstraint('user_id', 'kind', 'period', name=op.f('uq_notices_user_id')),
    )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_off_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reminders_off_at')
    op.drop_table('notices')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_started_by_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_organisation_id'))
    op.drop_table('jobs')
