"""A job's progress page, and stopping reminder emails from the link in them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, render_template, request

from courseapp.access import coordinator_required, get_in_scope_or_404
from courseapp.accounts.forms import ConfirmForm
from courseapp.downloads import attachment
from courseapp.extensions import csrf
from courseapp.jobs import files, notices
from courseapp.jobs.models import Job

bp = Blueprint("jobs", __name__)
unsubscribe_bp = Blueprint("notices", __name__)


# Seconds between reloads of a running job's page (the Refresh header: no JavaScript).
REFRESH_SECONDS = 5


@dataclass(frozen=True)
class Wording:
    working: str  # the page's heading while the job runs
    finished: str  # ... once it has finished
    unit: str  # what the job counts, singular ("email")


WORDING = {
    "email-password-links": Wording("Sending password links", "Password links sent", "email"),
    "certificates-zip": Wording("Building certificates", "Certificates ready", "certificate"),
    "enrol-learners": Wording("Enrolling learners", "Learners enrolled", "learner"),
    "report-export": Wording("Building the report", "Report ready", "learner"),
}
OTHER = Wording("Working on it", "Finished", "item")


@bp.get("/jobs/<int:job_id>")
@coordinator_required
def progress(job_id: int):
    """A job's progress: the page reloads itself every few seconds (a Refresh header)
    until the job has finished, unless the person asks it to stop."""
    job = get_in_scope_or_404(Job, job_id)
    still = request.args.get("refresh") == "off"
    page = render_template(
        "jobs/progress.html", job=job, wording=WORDING.get(job.kind, OTHER),
        file=files.available(job), had_file=job.file is not None, still=still,
    )  # fmt: skip
    response = Response(page)
    if not job.finished and not still:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/jobs/<int:job_id>/download")
@coordinator_required
def download(job_id: int):
    """The file the job made, while it is kept."""
    kept = files.available(get_in_scope_or_404(Job, job_id)) or abort(404)
    return attachment(kept.content, kept.filename, kept.mimetype)


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
