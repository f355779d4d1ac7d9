"""The briefing for schools and early years has its own opening modules
(briefing-welcome, briefing-three-principles) in place of the core course's welcome
and three-principles. A briefing learner who had completed the core module keeps the
credit: the new module counts as completed when the one it replaces was.

Revision ID: 0022
Revises: 0021
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

REPLACED = {"briefing-welcome": "welcome", "briefing-three-principles": "three-principles"}


def upgrade():
    for new, old in REPLACED.items():
        op.execute(f"""
            INSERT INTO module_progress
                (user_id, module_id, last_part, started_at, updated_at, check_passed_at,
                 completed_at)
            SELECT p.user_id, '{new}', NULL, p.started_at, p.updated_at, p.check_passed_at,
                   p.completed_at
            FROM module_progress p
            WHERE p.module_id = '{old}' AND p.completed_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM enrolments e
                          WHERE e.user_id = p.user_id AND e.pathway_id = 'briefing')
              AND NOT EXISTS (SELECT 1 FROM module_progress n
                              WHERE n.user_id = p.user_id AND n.module_id = '{new}')
        """)  # fmt: skip


def downgrade():
    # The credit cannot be told apart from the module done in full; both stay.
    pass
