"""`flask --app courseapp assessment check|export`: the item-writing checks on the
scored forms and knowledge checks, and the forms as JSON Lines."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from courseapp import catalogue
from courseapp.assessment import quality
from courseapp.assessment.export import PathwayForms, active_forms, records
from courseapp.catalogue.course import Course
from courseapp.catalogue.problems import ContentError

assessment_cli = AppGroup("assessment", help="Test forms: item-writing checks and export.")


def forms_of(course: Course) -> list[PathwayForms]:
    test_forms = {p.id: p.definition.test_forms for p in course.pathways.values()}
    return active_forms(course.bank, test_forms)


def _course() -> Course:
    try:
        return catalogue.load(current_app)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(error.problems)} content problem(s) found") from None


def check_assessment(course: Course) -> None:
    """Print the figures per form; fail naming every problem found."""
    report = quality.check(forms_of(course), course.checks)
    for line in report.lines:
        click.echo(line)
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} item-writing problem(s) found")
    click.echo("The test forms pass the item-writing checks.")


@assessment_cli.command("check")
def check_command() -> None:
    """Check the scored forms and knowledge checks for cues a test-wise learner can use."""
    check_assessment(_course())


@assessment_cli.command("export")
def export_command() -> None:
    """Print every item of every pathway's test forms as JSON Lines."""
    for line in records(forms_of(_course())):
        click.echo(json.dumps(line, ensure_ascii=False))
