"""how long a certificate stays current, and renewal rounds after one lapses

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 00:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("renewal_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_renewal_of_id_certificates"),
            "certificates", ["renewal_of_id"], ["id"], ondelete="SET NULL",
        )  # fmt: skip
        batch_op.create_unique_constraint(
            batch_op.f("uq_certificates_renewal_of_id"), ["renewal_of_id"]
        )
        batch_op.drop_constraint("uq_certificates_user_id", type_="unique")
    # A learner's first certificate of a pathway is still one only.
    op.create_index(
        "uq_certificates_first", "certificates", ["user_id", "pathway_id"], unique=True,
        postgresql_where=sa.text("renewal_of_id IS NULL"),
        sqlite_where=sa.text("renewal_of_id IS NULL"),
    )  # fmt: skip
    op.create_table(
        "renewals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"],
            name=op.f("fk_renewals_certificate_id_certificates"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_renewals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewals")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_renewals_certificate_id")),
    )  # fmt: skip
    with op.batch_alter_table("renewals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_renewals_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("renewals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewals_user_id"))
    op.drop_table("renewals")
    op.drop_index("uq_certificates_first", table_name="certificates")
    op.execute("DELETE FROM certificates WHERE renewal_of_id IS NOT NULL")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_certificates_user_id", ["user_id", "pathway_id"])
        batch_op.drop_constraint(batch_op.f("uq_certificates_renewal_of_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_certificates_renewal_of_id_certificates"), type_="foreignkey"
        )
        batch_op.drop_column("renewal_of_id")
        batch_op.drop_column("valid_until")
