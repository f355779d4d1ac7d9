"""report summaries kept with the data: per-attempt area scores, each learner's share,
summed counts per cell, and discrimination worked out by a job

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:30:00

After upgrading, run `flask --app courseapp reports rebuild-summaries` once to fill
them from the data already held.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attempt_area_scores",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["test_attempts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attempt_id", "area"),
    )
    op.create_table(
        "report_learner_summaries",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("job_role", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "pathway_id"),
    )
    for column in ("organisation_id", "team_id", "cohort_id"):
        op.create_index(
            f"ix_report_learner_summaries_{column}", "report_learner_summaries", [column]
        )
    op.create_table(
        "report_summaries",
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("organisation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cohort_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("job_role", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("form_id", sa.String(length=80), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("squares", sa.Float(), nullable=False),
        sa.Column("cross", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "pathway_id", "organisation_id", "team_id", "cohort_id", "job_role", "active",
            "kind", "form_id", "phase", "subject", "detail",
        ),
    )
    op.create_table(
        "report_distributions",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("worked_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade():
    op.drop_table("report_distributions")
    op.drop_table("report_summaries")
    op.drop_table("report_learner_summaries")
    op.drop_table("attempt_area_scores")
