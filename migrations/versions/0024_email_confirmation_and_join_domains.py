"""A learner who joins with a join code confirms their email address before taking a
test, and an organisation may limit joining by code to its own email domains.

Everyone who has an account already is counted as confirmed from when the account was
made: they were let in under the rules of the time, and many have taken tests.

Revision ID: 0024
Revises: 0023
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    users = sa.table("users", sa.column("created_at"), sa.column("email_confirmed_at"))
    op.execute(users.update().values(email_confirmed_at=users.c.created_at))
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("join_email_domains", sa.JSON(), server_default="[]", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("join_email_domains")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
