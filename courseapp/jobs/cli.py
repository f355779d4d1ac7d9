"""`flask worker` runs an RQ worker (with RQ's scheduler, which starts the daily
sweep); `flask sweep` runs the sweep once, now."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker

from courseapp.jobs import queue
from courseapp.jobs.queue import perform, rq_queue, set_worker_app
from courseapp.jobs.tasks import schedule_next_sweep


class Worker(SimpleWorker):
    """One process, no fork per job: each job opens its own app context and session.

    RQ's thread listening for commands (such as "stop") waits up to 60 s for a message,
    and a stopping worker waits for that thread: every stop, a deploy's included, took up
    to a minute. Listening in one-second waits lets it stop at once."""

    def subscribe(self) -> None:
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests).")
@click.option("--no-sweep", is_flag=True, help="Do not schedule the daily sweep.")
@with_appcontext
def worker_command(burst: bool, no_sweep: bool) -> None:
    """Run jobs from Redis (REDIS_URL) until stopped. Catches up with the daily sweep at
    once, then runs it every day at SWEEP_HOUR_UTC."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run inside the web process."
        )
    set_worker_app(app)
    redis_queue = rq_queue(app)
    if not no_sweep:
        redis_queue.enqueue(perform, "daily_sweep", {}, None)
        schedule_next_sweep(app)
    Worker([redis_queue], connection=redis_queue.connection, name=None).work(
        burst=burst, with_scheduler=not burst
    )


@click.command("sweep")
@click.option("--on", "on", default=None, help="Run as on this date (YYYY-MM-DD).")
@with_appcontext
def sweep_command(on: str | None) -> None:
    """Send the due-date reminders, weekly digests and renewal notices due today, once."""
    if on:
        date.fromisoformat(on)
    queue.run("daily_sweep", {"on": on}, None)
    queue.wait_for_jobs()
    click.echo("Sweep finished.")
