"""parallel test form orders, part visits and knowledge checks answered right

Revision ID: 0009
Revises: 0008

Every enrolment gets a form order (0: form A then B, 1: B then A). Existing
enrolments are numbered within their group (cohort, else organisation) by id and
alternate, which is deterministic and balanced; the counters continue from there.
Module completions recorded before this rule (a knowledge check submitted with any
answers) are kept as they were: nothing shows which parts those learners opened.
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _group_key(cohort_id, organisation_id):
    if cohort_id is not None:
        return f"cohort:{cohort_id}"
    return f"organisation:{organisation_id}" if organisation_id is not None else "none"


def upgrade():
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("form_order", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("check_passed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "form_order_counters",
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("group_key", sa.String(length=40), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pathway_id", "group_key", name=op.f("pk_form_order_counters")),
    )
    op.create_table(
        "module_part_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("part", sa.String(length=120), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_module_part_visits_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_part_visits")),
        sa.UniqueConstraint("user_id", "module_id", "part",
                            name=op.f("uq_module_part_visits_user_id")),
    )
    with op.batch_alter_table("module_part_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_part_visits_user_id"), ["user_id"],
                              unique=False)

    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT e.id, e.pathway_id, e.cohort_id, u.organisation_id FROM enrolments e "
        "JOIN users u ON u.id = e.user_id ORDER BY e.id"
    )).all()
    counts = {}
    for enrolment_id, pathway_id, cohort_id, organisation_id in rows:
        key = (pathway_id, _group_key(cohort_id, organisation_id))
        order = counts.get(key, 0) % 2
        counts[key] = counts.get(key, 0) + 1
        if order:
            connection.execute(
                sa.text("UPDATE enrolments SET form_order = 1 WHERE id = :id"), {"id": enrolment_id}
            )
    if counts:
        connection.execute(
            sa.text("INSERT INTO form_order_counters (pathway_id, group_key, assigned) "
                    "VALUES (:pathway_id, :group_key, :assigned)"),
            [{"pathway_id": p, "group_key": g, "assigned": n} for (p, g), n in counts.items()],
        )


def downgrade():
    with op.batch_alter_table("module_part_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_part_visits_user_id"))
    op.drop_table("module_part_visits")
    op.drop_table("form_order_counters")
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_column("check_passed_at")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("form_order")
