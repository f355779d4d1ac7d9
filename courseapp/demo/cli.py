"""`flask --app courseapp seed-demo`: fill the database with a realistic demonstration."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from courseapp.demo.journeys import Stage
from courseapp.demo.services import DemoError, seed

SHOWN_FIRST = ("organisations", "teams", "cohorts", "coordinators", "administrators", "learners")


@click.command("seed-demo")
@click.option("--learners", default=300, show_default=True, type=click.IntRange(1, 20_000),
              help="How many fictional learners to create.")  # fmt: skip
@click.option("--seed", "seed_value", default=1, show_default=True, type=int,
              help="Random seed: the same seed gives the same learners and answers.")  # fmt: skip
@click.option("--force", is_flag=True, help="Add the demo even if there are learners already.")
@with_appcontext
def seed_demo_command(learners: int, seed_value: int, force: bool) -> None:
    """Fill the database with a demonstration: organisations, teams, cohorts, a coordinator
    for each, an administrator, and fictional learners at every stage of their pathway
    with tests, progress and rewordings. Refuses if there are learners, unless --force."""
    click.echo(f"Seeding a demonstration with {learners} learners (seed {seed_value})...")
    try:
        summary = seed(learners=learners, seed=seed_value, force=force)
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    counts = summary.counts
    made = (f"{counts[name]} {name if counts[name] != 1 else name[:-1]}" for name in SHOWN_FIRST)
    click.echo(", ".join(made) + ".")
    click.echo("\nLearners by stage:")
    for stage in Stage:
        click.echo(f"  {stage:<34}{summary.stages[stage]:>6}")
    click.echo("\nWhat they did:")
    for name, number in sorted(counts.items()):
        if name not in SHOWN_FIRST:
            click.echo(f"  {name:<34}{number:>6}")
    click.echo("\nThese accounts can sign in with one random password, shown only this once:")
    click.echo(f"\n    {summary.password}\n")
    width = max(len(email) for _, _, email in summary.staff) + 2
    for role, organisation, email in summary.staff:
        click.echo(f"  {role:<15}{email:<{width}}{organisation}")
    click.echo(
        "\nLearners have no password, so they cannot sign in; they are there for the reports."
    )
    click.echo(f"Done in {summary.seconds:.1f} seconds.")
