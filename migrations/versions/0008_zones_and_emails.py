"""times with a zone, each organisation's time zone, and emails in one form

Revision ID: 0008
Revises: 0007

Every time column becomes `timestamp with time zone` on PostgreSQL (the naive values
were UTC); SQLite keeps UTC text, as before. Organisations get a time zone, Europe/London
by default. Stored email addresses are rewritten in the form the app now compares them
in: Unicode NFC, then case-folded. An address that would then clash with another
account's is left as it was, and named, for an administrator to sort out.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TIME_COLUMNS = [
    ("organisations", "created_at", False),
    ("cohorts", "created_at", False),
    ("users", "created_at", False),
    ("users", "last_login_at", True),
    ("audit_events", "created_at", False),
    ("enrolment_imports", "created_at", False),
    ("enrolment_imports", "confirmed_at", True),
    ("enrolments", "enrolled_at", False),
    ("module_progress", "started_at", False),
    ("module_progress", "updated_at", False),
    ("module_progress", "completed_at", True),
    ("rewording_responses", "created_at", False),
    ("test_attempts", "started_at", False),
    ("test_attempts", "submitted_at", True),
    ("answers", "saved_at", False),
    ("certificates", "issued_at", False),
    ("rewording_review_notes", "created_at", False),
]


def _normalise(email: str) -> str:
    return unicodedata.normalize("NFC", email.strip()).casefold()


def _set_time_zones(with_zone: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite stores the same UTC text either way
    for table, column, nullable in TIME_COLUMNS:
        using = f"{column} AT TIME ZONE 'UTC'"
        op.alter_column(
            table,
            column,
            type_=sa.DateTime(timezone=with_zone),
            existing_nullable=nullable,
            postgresql_using=using,
        )


def _normalise_emails() -> None:
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = bind.execute(sa.select(users.c.id, users.c.email)).all()
    taken = {email for _, email in rows}
    for user_id, email in rows:
        normal = _normalise(email)
        if normal == email:
            continue
        if normal in taken:
            print(f"users.id {user_id}: {email!r} left as it is: {normal!r} is taken")
            continue
        bind.execute(sa.update(users).where(users.c.id == user_id).values(email=normal))
        taken.discard(email)
        taken.add(normal)


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezone", sa.String(length=64), server_default="Europe/London", nullable=False
            )
        )
    _set_time_zones(True)
    _normalise_emails()


def downgrade():
    _set_time_zones(False)
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("timezone")
