"""course evaluation: answers kept without a user, and who has answered

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 00:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.Enum("SENT", "DECLINED", name="outcome", native_enum=False, length=10), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_records_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_records")),
        sa.UniqueConstraint("user_id", "pathway_id", name=op.f("uq_evaluation_records_user_id")),
    )
    with op.batch_alter_table("evaluation_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_records_user_id"), ["user_id"], unique=False)
    op.create_table(
        "evaluation_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("useful", sa.Integer(), nullable=False),
        sa.Column("relevant", sa.Integer(), nullable=False),
        sa.Column("do_differently", sa.Text(), nullable=False),
        sa.Column("improve", sa.Text(), nullable=False),
        sa.CheckConstraint("useful BETWEEN 1 AND 5", name=op.f("ck_evaluation_answers_useful_on_scale")),
        sa.CheckConstraint("relevant BETWEEN 1 AND 5", name=op.f("ck_evaluation_answers_relevant_on_scale")),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_evaluation_answers_cohort_id_cohorts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"],
            name=op.f("fk_evaluation_answers_organisation_id_organisations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_evaluation_answers_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_answers")),
    )
    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evaluation_answers_pathway_organisation", ["pathway_id", "organisation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_answers_pathway_organisation")
    op.drop_table("evaluation_answers")
    with op.batch_alter_table("evaluation_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_records_user_id"))
    op.drop_table("evaluation_records")
