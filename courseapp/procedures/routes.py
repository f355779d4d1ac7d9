from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from courseapp import catalogue
from courseapp.access import coordinator_required, get_in_scope_or_404, login_required
from courseapp.organisations.models import Organisation
from courseapp.procedures import services
from courseapp.procedures.forms import ProceduresForm

bp = Blueprint("procedures", __name__)


@bp.route("/organisations/<int:org_id>/procedures", methods=["GET", "POST"])
@coordinator_required
def edit(org_id: int):
    """The organisation's coordinator or an administrator writes its page; Preview
    shows it as learners will see it without saving."""
    org = get_in_scope_or_404(Organisation, org_id)
    form = ProceduresForm(data=services.texts_of(services.of(org.id)))
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = services.render(form.texts())
        else:
            services.save(org, current_user, form.texts())
            flash("The local procedures page has been published to your learners.", "success")
            return redirect(url_for("organisations.detail", org_id=org.id), 303)
    status = 400 if form.errors else 200
    return render_template(
        "procedures/edit.html", form=form, organisation=org, preview=preview
    ), status


@bp.get("/local-procedures")
@login_required
def show():
    """A learner's own organisation's page, or the national support list if it has none."""
    return render_template(
        "procedures/show.html",
        sections=services.for_learner(current_user),
        support=catalogue.course().support,
    )
