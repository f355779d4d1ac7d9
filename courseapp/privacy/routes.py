from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from courseapp.access import admin_required, get_child_or_404, get_in_scope_or_404, login_required
from courseapp.accounts.forms import ConfirmForm
from courseapp.accounts.models import User
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.downloads import attachment
from courseapp.organisations.models import Organisation
from courseapp.privacy import erasure, export, retention

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def notice():
    return render_template(
        "privacy/notice.html",
        retention=retention.describe_days(current_app.config["ATTEMPT_RETENTION_DAYS"]),
        backup_retention=retention.describe_days(current_app.config["BACKUP_RETENTION_DAYS"]),
    )


@bp.get("/account/your-data.json")
@login_required
def download():
    data = export.personal_data(current_user, course())
    filename = f"your-data-{utcnow():%Y-%m-%d}.json"
    return attachment(export.as_json(data), filename, "application/json")


def _member_or_404(org_id: int, user_id: int) -> tuple[Organisation, User]:
    org = get_in_scope_or_404(Organisation, org_id)
    return org, get_child_or_404(User, user_id, org, "organisation_id")


@bp.route("/organisations/<int:org_id>/members/<int:user_id>/erase", methods=["GET", "POST"])
@admin_required
def erase(org_id: int, user_id: int):
    org, person = _member_or_404(org_id, user_id)
    form = ConfirmForm()
    try:
        erasure.check_erasable(person)
    except erasure.ErasureRefused as refusal:
        status = 409 if form.is_submitted() else 200
        return render_template(
            "privacy/erase.html", organisation=org, person=person, refusal=str(refusal)
        ), status
    if form.validate_on_submit():
        erasure.erase_learner(person, current_user._get_current_object())
        flash("The learner's account and all their records have been erased.", "success")
        return redirect(url_for("organisations.detail", org_id=org.id), 303)
    return render_template(
        "privacy/erase.html",
        organisation=org,
        person=person,
        holdings=erasure.holdings(person),
        form=form,
    )
