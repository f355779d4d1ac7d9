"""A rewording version keeps marks (min-hashes of its runs of words) instead of one
fingerprint, so that a version close to another learner's earlier version of the same
exercise, as well as one word for word the same, can be found by an index. Versions
already kept get theirs when they are judged again (`flask rewording rejudge`, which
the new rules version asks for).

Revision ID: 0026
Revises: 0025
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rewording_marks",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("exercise_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"], ["rewording_responses.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("response_id", "mark"),
    )
    op.create_index(
        "ix_rewording_marks_exercise_mark", "rewording_marks", ["exercise_id", "mark"]
    )
    with op.batch_alter_table("rewording_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_rewording_responses_fingerprint")
        batch_op.drop_column("fingerprint")


def downgrade():
    with op.batch_alter_table("rewording_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_rewording_responses_fingerprint", ["exercise_id", "fingerprint"], unique=False
        )
    op.drop_index("ix_rewording_marks_exercise_mark", table_name="rewording_marks")
    op.drop_table("rewording_marks")
