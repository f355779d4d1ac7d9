"""`flask --app courseapp reports rebuild-summaries`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from courseapp.extensions import db
from courseapp.reports import summaries

reports_cli = AppGroup("reports", help="Report figures.")


@reports_cli.command("rebuild-summaries")
def rebuild_summaries_command() -> None:
    """Work out every report summary again from the learners' raw data (after a restore,
    a bulk import straight into the tables, or a change to how figures are kept)."""
    started = time.perf_counter()
    learners = summaries.rebuild()
    db.session.commit()
    took = time.perf_counter() - started
    click.echo(f"Summaries rebuilt for {learners} learners in {took:.1f} seconds.")
