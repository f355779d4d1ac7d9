"""`flask --app courseapp rewording assess|evaluate|rejudge`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from courseapp.catalogue import course
from courseapp.config import PROJECT_ROOT
from courseapp.extensions import db
from courseapp.rewording.engine import assess, assess_exercise
from courseapp.rewording.evaluation import evaluate, read_examples, report
from courseapp.rewording.reviewing import rejudge

rewording_cli = AppGroup("rewording", help="Rewording exercise feedback.")
LABELLED = PROJECT_ROOT / "tests" / "data" / "rewording_labelled.jsonl"
# The project's held-out set: never change a rule to fix one of its items.
HELD_OUT = PROJECT_ROOT / "tests" / "data" / "rewording_heldout_2.jsonl"


def assess_line(line: str) -> dict:
    """One JSON Lines request to one JSON response; problems become {"error": ...}."""
    try:
        request = json.loads(line)
    except json.JSONDecodeError as error:
        return {"error": f"not valid JSON: {error.msg} at column {error.colno}"}
    if not isinstance(request, dict):
        return {"error": "each line must be a JSON object"}
    text = request.get("text")
    if not isinstance(text, str):
        return {"error": "'text' must be a string"}
    rules, prompt = course().rewording.rules, request.get("prompt", "")
    if "exercise" in request:
        exercise = course().rewording.exercises.get(str(request["exercise"]))
        if exercise is None:
            return {"error": f"unknown exercise {request['exercise']!r}"}
        others = course().rewording.exercises.values()
        return assess_exercise(rules, exercise, text, others).as_json()
    if not isinstance(prompt, str):
        return {"error": "'prompt' must be a string"}
    people = request.get("people", {})
    if not isinstance(people, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in people.items()
    ):
        return {"error": "'people' must map names to roles"}
    return assess(rules, text, prompt, (), people).as_json()


@rewording_cli.command("assess")
def assess_command() -> None:
    """Read JSON Lines on standard input ({"prompt"|"exercise", "text"}); write one
    JSON result per line. A bad line gets {"error": ...} and the rest carry on."""
    for line in sys.stdin:
        if line.strip():
            click.echo(json.dumps(assess_line(line)))


@rewording_cli.command("evaluate")
@click.option(
    "--examples",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=LABELLED,
    show_default=True,
    help="Labelled (development) examples (JSON Lines).",
)
@click.option(
    "--held-out",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=HELD_OUT,
    show_default=True,
    help="Held-out examples (JSON Lines), reported separately.",
)
@click.option("--mistakes", is_flag=True, help="List the examples the rules get wrong.")
def evaluate_command(examples: Path, held_out: Path, mistakes: bool) -> None:
    """For the labelled and the held-out set separately: accuracy, blame caught,
    constructive recognised, the rate of uncertain, a confusion matrix and each
    rule's hits and precision."""
    rules = course().rewording.rules
    sections = []
    for title, path in (("Labelled set", examples), ("Held-out set", held_out)):
        try:
            rows = read_examples(path)
        except (ValueError, json.JSONDecodeError) as error:
            raise click.ClickException(str(error)) from None
        result = evaluate(rules, rows, course().rewording.exercises)
        sections.append(report(rules, result, f"{title}: {path.name}", mistakes))
    click.echo("\n\n".join(sections))


@rewording_cli.command("rejudge")
@click.option("--dry-run", is_flag=True, help="Report what would change; keep nothing.")
def rejudge_command(dry_run: bool) -> None:
    """Judge again the stored versions judged with other rules than today's (after a
    rule change), keep the new findings, and report what changed."""
    judged, changes = rejudge(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would change" if dry_run else "changed"
    click.echo(f"Judged again: {judged} stored versions. Verdict or flags {verb}: {len(changes)}.")
    moves = {}
    for change in changes:
        moves[(change.before, change.after)] = moves.get((change.before, change.after), 0) + 1
    for (before, after), count in sorted(moves.items()):
        click.echo(f"  {before} -> {after}: {count}")
    for change in changes:
        click.echo(
            f"- response {change.response_id} ({change.exercise_id}, "
            f"version {change.version}): {change.before} {list(change.flags_before)} "
            f"-> {change.after} {list(change.flags_after)}"
        )
