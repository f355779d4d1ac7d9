"""The learner's CPD record, its downloads, and writing a reflection on a module or a
pathway. Everything here is the signed-in person's own."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from courseapp.access import login_required
from courseapp.clock import utcnow
from courseapp.cpd import exports, services
from courseapp.cpd.forms import MAX_ANSWER, MAX_PEER, ReflectionForm
from courseapp.cpd.models import Activity
from courseapp.downloads import attachment

bp = Blueprint("cpd", __name__, url_prefix="/cpd")

NOT_YET = {
    Activity.MODULE: "You can write a reflection on this module once you have completed it",
    Activity.PATHWAY: "You can write a reflection on the whole course once you have completed it",
}


@bp.get("/")
@login_required
def record():
    return render_template("cpd/record.html", record=services.cpd_record(current_user))


def _download(body: bytes, mimetype: str, extension: str) -> Response:
    return attachment(body, f"cpd-record-{utcnow():%Y-%m-%d}.{extension}", mimetype)


@bp.get("/record.pdf")
@login_required
def record_pdf():
    body = exports.record_pdf(services.cpd_record(current_user))
    return _download(body, "application/pdf", "pdf")


@bp.get("/record.csv")
@login_required
def record_csv():
    return _download(exports.record_csv(services.cpd_record(current_user)), "text/csv", "csv")


@bp.route("/<any(module, pathway):activity>/<activity_id>/reflection", methods=["GET", "POST"])
@login_required
def reflection(activity: str, activity_id: str):
    kind = Activity(activity)
    about = services.activity_or_none(kind, activity_id)
    if about is None:
        abort(404)
    if not services.may_reflect(current_user, about):
        flash(f"{NOT_YET[kind]}.", "important")
        target = "content.module" if kind is Activity.MODULE else "content.pathway"
        return redirect(url_for(target, **{f"{activity}_id": activity_id}))
    existing = services.reflection_for(current_user, kind, activity_id)
    form = ReflectionForm(obj=existing)
    if form.validate_on_submit():
        services.save_reflection(
            current_user, kind, activity_id, learnt=form.learnt.data or "",
            practice=form.practice.data or "", peer=form.peer.data or "",
            shared=form.shared.data,
        )  # fmt: skip
        flash("Your reflection has been saved in your CPD record.", "success")
        return redirect(url_for(".record"), 303)
    return render_template(
        "cpd/reflection.html", form=form, about=about, is_module=kind is Activity.MODULE,
        existing=existing,
        max_answer=MAX_ANSWER, max_peer=MAX_PEER,
    )  # fmt: skip
