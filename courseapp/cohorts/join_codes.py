"""Join codes for organisations and cohorts. Registration looks a code up in both,
so a new code must be unused in both for it to mean one thing."""

from __future__ import annotations

import sqlalchemy as sa

from courseapp.cohorts.models import Cohort
from courseapp.extensions import db
from courseapp.organisations.models import Organisation, new_join_code


def unused_join_code() -> str:
    while True:
        code = new_join_code()
        taken = db.session.scalar(
            sa.select(
                sa.exists().where(Organisation.join_code == code)
                | sa.exists().where(Cohort.join_code == code)
            )
        )
        if not taken:
            return code


def regenerate(holder: Organisation | Cohort) -> None:
    """A new code; the old one stops working at once."""
    holder.join_code = unused_join_code()
    db.session.flush()


def switch(holder: Organisation | Cohort) -> None:
    """Turn registration with this code on or off."""
    holder.join_enabled = not holder.join_enabled
    db.session.flush()


def change(holder: Organisation | Cohort, action: str) -> str:
    """Make a new code ("new") or switch registration on or off ("switch"), for an
    organisation or a cohort; returns what to tell the coordinator."""
    if action == "new":
        regenerate(holder)
        return f"New join code: {holder.display_join_code}. The old code no longer works."
    switch(holder)
    state = "switched on" if holder.join_enabled else "switched off"
    return f"Registration with the join code is {state}."
