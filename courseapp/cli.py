"""Flask CLI commands for running the platform (flask --app courseapp ...)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from courseapp.accounts.services import admin_exists, make_first_admin_link
from courseapp.content.cli import check_content


def init_app(app: Flask) -> None:
    @app.cli.command("setup")
    def setup_command() -> None:
        """Check the course content, apply database migrations and, if there is no
        administrator yet, print a one-time link for creating the first one."""
        check_content()
        upgrade()
        if admin_exists():
            click.echo("Database is up to date.")
            return
        hours = current_app.config["FIRST_ADMIN_LINK_MAX_AGE"] // 3600
        click.echo("No administrator yet. Open this link to create the first one")
        click.echo(f"(it works once, for {hours} hours):")
        click.echo("")
        click.echo(f"    {make_first_admin_link()}")
        click.echo("")

    @app.cli.command("first-admin-link")
    def first_admin_link_command() -> None:
        """Print a new one-time link for creating the first administrator."""
        if admin_exists():
            raise click.ClickException("An administrator already exists.")
        click.echo(make_first_admin_link())
