"""`flask --app courseapp content check`: validate every content and quiz file."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from courseapp.assessment.cli import check_assessment
from courseapp.content import services
from courseapp.content.problems import ContentError

content_cli = AppGroup("content", help="Course content commands.")


@content_cli.command("check")
def check_command() -> None:
    """Check modules, pathways, glossary and quizzes; list every problem."""
    check_content()


def check_content() -> None:
    try:
        course = services.load(current_app)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(error.problems)} problem(s) found") from None
    click.echo(
        f"Content is valid: {len(course.pathways)} pathways, {len(course.modules)} modules, "
        f"{len(course.checks)} knowledge checks, {len(course.glossary)} glossary terms, "
        f"{len(course.bank.items)} test items, {len(course.bank.ratings)} self-ratings, "
        f"{len(course.bank.tests)} tests, {len(course.rewording.exercises)} rewording exercises."
    )
    check_assessment(course)
