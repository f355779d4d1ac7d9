"""A pre-test submitted in less than TEST_SECONDS_PER_QUESTION (5 by default) a
scored question from its start is marked too fast: the reports leave it out of what
they measure. Pre-tests already submitted are marked by the same rule here; then run
`flask --app courseapp reports rebuild-summaries` once, so that the report summaries
leave them out too.

Revision ID: 0027
Revises: 0026
"""

import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SECONDS = {
    "postgresql": "EXTRACT(EPOCH FROM submitted_at - started_at)",
    "sqlite": "(julianday(submitted_at) - julianday(started_at)) * 86400",
}


def upgrade():
    with op.batch_alter_table("test_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("too_fast", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    per_question = float(os.environ.get("TEST_SECONDS_PER_QUESTION", 5))
    seconds = SECONDS[op.get_bind().dialect.name]
    op.execute(
        sa.text(f"""
            UPDATE test_attempts SET too_fast = TRUE
            WHERE phase = 'PRE' AND submitted_at IS NOT NULL
              AND {seconds} < :per_question * json_array_length(item_order)
        """).bindparams(per_question=per_question)
    )  # fmt: skip


def downgrade():
    with op.batch_alter_table("test_attempts", schema=None) as batch_op:
        batch_op.drop_column("too_fast")
