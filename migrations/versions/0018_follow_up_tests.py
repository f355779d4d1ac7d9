"""follow-up tests: the invitation and the items drawn for each learner

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 00:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # The phase column is a plain string (no CHECK constraint): "FOLLOW_UP" fits its
    # length of 10, so test_attempts needs no change.
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("invited_on", sa.Date(), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "pathway_id", name=op.f("uq_follow_ups_user_id")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_user_id"))
    op.drop_table("follow_ups")
