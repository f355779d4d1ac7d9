"""learners' reflections for their CPD record

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 00:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cpd_reflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=20), nullable=False),
        sa.Column("activity_id", sa.String(length=80), nullable=False),
        sa.Column("learnt", sa.Text(), nullable=False),
        sa.Column("practice", sa.Text(), nullable=False),
        sa.Column("peer", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "activity", "activity_id"),
    )
    with op.batch_alter_table("cpd_reflections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cpd_reflections_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("cpd_reflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_reflections_user_id"))
    op.drop_table("cpd_reflections")
