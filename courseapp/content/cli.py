"""`flask --app courseapp content check`: validate every content and quiz file.
`flask --app courseapp content readability`: the plain-language figures per module."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from courseapp import catalogue
from courseapp.assessment.cli import check_assessment
from courseapp.catalogue.problems import ContentError
from courseapp.config import PROJECT_ROOT
from courseapp.content import editorial
from courseapp.content.prose import body_lines, sentences
from courseapp.content.readability import MAX_SENTENCE_WORDS, MIN_READING_EASE, measure

content_cli = AppGroup("content", help="Course content commands.")


@content_cli.command("check")
def check_command() -> None:
    """Check modules, pathways, glossary and quizzes; list every problem."""
    check_content()


def folders() -> editorial.Folders:
    config = current_app.config
    return editorial.Folders(
        PROJECT_ROOT, Path(config["CONTENT_DIR"]), Path(config["QUIZZES_DIR"]),
        Path(config["SEEDS_DIR"]),
    )  # fmt: skip


def check_content() -> None:
    problems, notices = editorial.check(folders())
    try:
        course = catalogue.load(current_app)
    except ContentError as error:
        problems = error.problems + problems
    for notice in notices:
        click.echo(notice)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found")
    click.echo(
        f"Content is valid: {len(course.pathways)} pathways, {len(course.modules)} modules, "
        f"{len(course.checks)} knowledge checks, {len(course.glossary)} glossary terms, "
        f"{len(course.bank.items)} test items, {len(course.bank.ratings)} self-ratings, "
        f"{len(course.bank.tests)} tests, {len(course.rewording.exercises)} rewording exercises."
    )
    check_assessment(course)


@content_cli.command("readability")
def readability_command() -> None:
    """Print each module's Flesch reading ease and its sentences over the limit; exit
    non-zero if a module is below the bound or has such a sentence."""
    failed = False
    click.echo(f"{'module':<34} reading ease  sentences  words  over {MAX_SENTENCE_WORDS} words")
    for path in editorial.module_paths(folders()):
        result = measure(sentences(body_lines(path)))
        failed = failed or not result.within_bounds
        click.echo(
            f"{path.stem:<34} {result.reading_ease:12.1f}  {result.sentences:9}  "
            f"{result.words:5}  {len(result.long_sentences)}"
        )
        for sentence in result.long_sentences:
            click.echo(f"    line {sentence.line}: {len(sentence.words)} words: {sentence.text}")
    if failed:
        raise click.ClickException(
            f"every module needs a reading ease of {MIN_READING_EASE:.0f} or more and no "
            f"sentence over {MAX_SENTENCE_WORDS} words"
        )
