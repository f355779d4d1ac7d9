"""`flask --app courseapp purge` and `flask --app courseapp backup PATH`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.privacy import backup, retention


class Age(click.ParamType):
    """An age such as 730d, 104w or 2y, or an ISO date, turned into a cutoff."""

    name = "AGE"

    def convert(
        self, value: str | datetime, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return retention.cutoff_for(value, utcnow())
        except ValueError as error:
            self.fail(str(error), param, ctx)


@click.command("purge")
@click.option(
    "--older-than",
    "cutoff",
    type=Age(),
    help="Remove data older than this: 730d, 104w, 2y or a date such as 2024-01-31. "
    "Default: ATTEMPT_RETENTION_DAYS days.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
def purge_command(cutoff: datetime | None, dry_run: bool) -> None:
    """Remove test attempts, rewordings and CSV uploads older than the retention period.
    Accounts, enrolments, module progress and certificates are kept."""
    if cutoff is None:
        days = int(current_app.config["ATTEMPT_RETENTION_DAYS"])
        try:
            cutoff = retention.cutoff_for_days(days, utcnow())
        except ValueError as error:
            raise click.ClickException(f"ATTEMPT_RETENTION_DAYS is {days}. {error}") from None
    found = retention.purge(cutoff, dry_run=dry_run)
    when = f"{cutoff:%Y-%m-%d %H:%M} UTC"
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: this would remove data from before {when}:")
    else:
        db.session.commit()
        click.echo(f"Removed data from before {when}:")
    for line in found.lines():
        click.echo(f"  {line}")
    click.echo("Accounts, enrolments, module progress and certificates are kept.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists already.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the SQLite database to PATH while the app keeps running."""
    try:
        result = backup.backup_sqlite(path, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the database to {path} (integrity check: {result}).")
