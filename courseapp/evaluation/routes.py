"""The end-of-pathway evaluation (learners) and its report page (coordinators)."""

from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from courseapp.access import coordinator_required, login_required
from courseapp.audit.services import record
from courseapp.catalogue import course, pathway_or_404
from courseapp.cohorts.models import Cohort
from courseapp.database import writes_on_get
from courseapp.downloads import attachment
from courseapp.evaluation import report, services
from courseapp.evaluation.forms import (
    MAX_TEXT,
    DismissForm,
    EvaluationFilterForm,
    EvaluationForm,
)
from courseapp.evaluation.models import Outcome
from courseapp.extensions import db
from courseapp.forms import options
from courseapp.organisations.services import organisations_in_scope
from courseapp.reports.statistics import MIN_GROUP

bp = Blueprint("evaluation", __name__)


@bp.app_template_global()
def evaluation_outcome(pathway_id: str) -> Outcome | None:
    """What the signed-in learner did about a pathway's evaluation, for the links to it on
    their home page and certificate."""
    if not current_user.is_authenticated:
        return None
    return services.outcomes(current_user).get(pathway_id)


@bp.route("/pathways/<pathway_id>/evaluation", methods=["GET", "POST"])
@login_required
def give(pathway_id: str):
    pathway = pathway_or_404(pathway_id)
    if not services.may_evaluate(current_user, pathway):
        abort(404)
    done = services.record_for(current_user, pathway.id)
    if done is not None and done.outcome is Outcome.SENT:
        return render_template("evaluation/thanks.html", pathway=pathway)
    form = EvaluationForm()
    if form.validate_on_submit():
        feedback = services.Feedback(
            form.useful.data, form.relevant.data,
            form.do_differently.data or "", form.improve.data or "",
        )  # fmt: skip
        try:
            services.submit(current_user, pathway, feedback)
        except services.AlreadyEvaluated:
            return render_template("evaluation/thanks.html", pathway=pathway)
        flash("Thank you. Your feedback has been sent without your name.", "success")
        return redirect(url_for("evaluation.give", pathway_id=pathway.id), 303)
    return render_template(
        "evaluation/form.html", form=form, pathway=pathway, min_group=MIN_GROUP,
        max_text=MAX_TEXT,
    )  # fmt: skip


@bp.post("/pathways/<pathway_id>/evaluation/no-thanks")
@login_required
def decline(pathway_id: str):
    pathway = pathway_or_404(pathway_id)
    if not services.may_evaluate(current_user, pathway):
        abort(404)
    DismissForm().validate_on_submit() or abort(400)
    services.decline(current_user, pathway)
    flash(
        "We will not ask you again. If you change your mind, you can still give feedback "
        "from your certificate page.",
        "success",
    )
    return redirect(url_for("site.index"), 303)


def _filters() -> tuple[EvaluationFilterForm, report.Scope]:
    """The filter form from the query string, with choices only from the user's own
    organisations. An organisation, team or cohort from outside them, or a pathway that
    does not exist, is not found."""
    form = EvaluationFilterForm(request.args)
    orgs = organisations_in_scope(current_user)
    cohorts = db.session.scalars(
        sa.select(Cohort)
        .where(Cohort.organisation_id.in_([o.id for o in orgs]))
        .order_by(Cohort.name)
    ).all()
    several = len(orgs) > 1
    names = {o.id: o.name for o in orgs}
    form.pathway.choices = options("", ((p.id, p.title) for p in course().pathways.values()))[1:]
    form.organisation.choices = options("All your organisations", ((o.id, o.name) for o in orgs))
    form.team.choices = options(
        "All teams",
        ((t.id, f"{t.name} ({o.name})" if several else t.name) for o in orgs for t in o.teams),
    )
    form.cohort.choices = options(
        "All cohorts",
        ((c.id, f"{c.name} ({names[c.organisation_id]})" if several else c.name) for c in cohorts),
    )
    for name in ("pathway", "organisation", "team", "cohort"):
        value = request.args.get(name)
        if value and value not in {str(v) for v, *_ in form[name].iter_choices()}:
            abort(404)
    form.validate()
    pathway_id = form.pathway.data or next(iter(course().pathways))
    form.pathway.data = pathway_id
    chosen_org = int(form.organisation.data) if form.organisation.data else None
    org_ids = frozenset({chosen_org} if chosen_org else {o.id for o in orgs})
    if current_user.is_admin and not chosen_org:
        org_ids = None
    return form, report.Scope(
        pathway_id=pathway_id,
        organisation_ids=org_ids,
        team_id=int(form.team.data) if form.team.data and not form.errors else None,
        cohort_id=int(form.cohort.data) if form.cohort.data and not form.errors else None,
    )


def _query(form: EvaluationFilterForm) -> str:
    names = {f.name for f in form if f.type != "SubmitField"}
    return urlencode([(k, v) for k, v in request.args.items(multi=True) if k in names and v])


@bp.get("/reports/evaluation")
@coordinator_required
def report_page():
    form, scope = _filters()
    found = None if form.errors else report.evaluation_report(scope)
    filtered = any(form[name].data for name in ("organisation", "team", "cohort"))
    return render_template(
        "evaluation/report.html", form=form, pathway=course().pathways[scope.pathway_id],
        found=found, scope=scope, min_group=MIN_GROUP, fewer=report.FEWER,
        questions=report.QUESTIONS, query=_query(form), filtered=filtered,
    )  # fmt: skip


@bp.get("/reports/evaluation/<kind>.csv")
@coordinator_required
@writes_on_get  # the audit log records the export
def export(kind: str):
    if kind not in report.EXPORTS:
        abort(404)
    form, scope = _filters()
    if form.errors:
        abort(400, form.cohort.errors[0] if form.cohort.errors else "Check the filters")
    body = report.EXPORTS[kind](report.evaluation_report(scope))
    record(current_user, f"export-evaluation-{kind}", f"pathway {scope.pathway_id}")
    filename = f"evaluation-{kind}-{scope.pathway_id}.csv"
    return attachment(body, filename, "text/csv")
