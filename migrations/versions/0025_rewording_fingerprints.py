"""A rewording version keeps its fingerprint, so that a version that is word for word
another learner's earlier version of the same exercise (a shared crib sheet) can be
found by an index. Versions already kept get theirs when they are judged again
(`flask rewording rejudge`, which the new rules version asks for).

Revision ID: 0025
Revises: 0024
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rewording_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_rewording_responses_fingerprint", ["exercise_id", "fingerprint"], unique=False
        )


def downgrade():
    with op.batch_alter_table("rewording_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_rewording_responses_fingerprint")
        batch_op.drop_column("fingerprint")
