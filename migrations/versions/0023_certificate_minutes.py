"""A certificate keeps the length of the course it was issued for (and so its CPD
hours), instead of showing the course's current length: the core course was made
shorter. Certificates already issued get the lengths the course had until now.

Revision ID: 0023
Revises: 0022
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# Minutes each pathway came to before this revision (core 5 CPD hours, briefing 1.5).
# There has been no other pathway: one would leave a certificate without minutes and
# stop the upgrade at NOT NULL, to be looked at rather than guessed.
EARLIER = {"core": 287, "briefing": 75}


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes", sa.Integer(), nullable=True))
    certificates = sa.table("certificates", sa.column("pathway_id"), sa.column("minutes"))
    op.execute(
        certificates.update().values(
            minutes=sa.case(EARLIER, value=certificates.c.pathway_id)
        )
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("minutes", existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("minutes")
