"""A job's progress page, and stopping reminder emails from the link in them."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from courseapp.access import coordinator_required, get_in_scope_or_404
from courseapp.accounts.forms import ConfirmForm
from courseapp.extensions import csrf
from courseapp.jobs import notices
from courseapp.jobs.models import Job

bp = Blueprint("jobs", __name__)
unsubscribe_bp = Blueprint("notices", __name__)


@bp.get("/jobs/<int:job_id>")
@coordinator_required
def progress(job_id: int):
    return render_template("jobs/progress.html", job=get_in_scope_or_404(Job, job_id))


@unsubscribe_bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    person = notices.person_for(token)
    if person is None:
        abort(404)
    return render_template("jobs/unsubscribe.html", person=person, form=ConfirmForm(), done=False)


@unsubscribe_bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: the mail program posts it; the signed token is the proof
def unsubscribe_post(token: str):
    person = notices.person_for(token)
    if person is None:
        abort(404)
    notices.stop_reminders(person)
    return render_template("jobs/unsubscribe.html", person=person, form=None, done=True)
