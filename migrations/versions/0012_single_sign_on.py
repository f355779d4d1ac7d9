"""single sign-on: organisation slugs, provider connections, their domains, identities

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 21:40:00

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _slug(name):
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return slug or "organisation"


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slug", sa.String(length=80), nullable=True))

    organisations = sa.table(
        "organisations", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("slug", sa.String)
    )
    conn = op.get_bind()
    taken = set()
    for org_id, name in conn.execute(sa.select(organisations.c.id, organisations.c.name).order_by(organisations.c.id)):
        base = slug = _slug(name)
        number = 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        conn.execute(organisations.update().where(organisations.c.id == org_id).values(slug=slug))

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("slug", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_organisations_slug"), ["slug"])

    op.create_table(
        "sso_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("allow_passwords", sa.Boolean(), nullable=False),
        sa.Column("trust_unverified_claim", sa.Boolean(), nullable=False),
        sa.Column("team_claim", sa.String(length=100), nullable=True),
        sa.Column("job_role_claim", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"],
            name=op.f("fk_sso_connections_organisation_id_organisations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_connections")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_sso_connections_organisation_id")),
    )
    op.create_table(
        "sso_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["sso_connections.id"],
            name=op.f("fk_sso_domains_connection_id_sso_connections"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_domains")),
        sa.UniqueConstraint("name", name=op.f("uq_sso_domains_name")),
    )
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_domains_connection_id"), ["connection_id"], unique=False)

    op.create_table(
        "sso_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sso_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_sso_identities_issuer")),
    )
    with op.batch_alter_table("sso_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_identities_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sso_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_identities_user_id"))
    op.drop_table("sso_identities")
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_domains_connection_id"))
    op.drop_table("sso_domains")
    op.drop_table("sso_connections")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organisations_slug"), type_="unique")
        batch_op.drop_column("slug")
