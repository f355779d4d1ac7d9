"""extra post-test attempts granted by a coordinator; when a learner read a review note

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 22:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attempt_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["granted_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attempt_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_grants_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attempt_grants_granted_by_id"), ["granted_by_id"], unique=False
        )
    with op.batch_alter_table("rewording_review_notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("rewording_review_notes", schema=None) as batch_op:
        batch_op.drop_column("read_at")
    with op.batch_alter_table("attempt_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_grants_granted_by_id"))
        batch_op.drop_index(batch_op.f("ix_attempt_grants_user_id"))
    op.drop_table("attempt_grants")
