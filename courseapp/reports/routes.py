from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from courseapp.access import coordinator_required, get_in_scope_or_404
from courseapp.accounts.forms import ConfirmForm
from courseapp.accounts.models import JobRole, User
from courseapp.assessment.models import Phase
from courseapp.audit.services import record
from courseapp.catalogue import course
from courseapp.catalogue.items import TAG_LABELS
from courseapp.certificates import bundles
from courseapp.clock import utcnow
from courseapp.cohorts.models import Cohort
from courseapp.cpd.services import shared_reflections
from courseapp.database import writes_on_get
from courseapp.downloads import attachment
from courseapp.extensions import db
from courseapp.forms import options
from courseapp.jobs import files
from courseapp.organisations.services import organisations_in_scope
from courseapp.reports import (
    choices,
    currency,
    distribution,
    export_jobs,
    exports,
    follow_up,
    services,
    summaries,
)
from courseapp.reports import data as report_data
from courseapp.reports import status as learner_status
from courseapp.reports.cache import cached
from courseapp.reports.forms import LearnerFilterForm, ReportFilterForm
from courseapp.reports.statistics import MIN_GROUP
from courseapp.reports.status import STATUSES
from courseapp.rewording.services import exercises

bp = Blueprint("reports", __name__, url_prefix="/reports")
PAGE_SIZE = 40
QUESTIONS_PAGE_SIZE = 12


def _filters(
    form_class: type[ReportFilterForm] = ReportFilterForm,
) -> tuple[ReportFilterForm, report_data.Filters]:
    """The filter form from the query string, and the filters it allows for this user."""
    form = form_class(request.args)
    if "status" in form:
        statuses = ((s, s.capitalize()) for s in STATUSES)
        form.status.choices = options("Any status", statuses)
    orgs = organisations_in_scope(current_user)
    cohorts = db.session.scalars(
        sa.select(Cohort)
        .where(Cohort.organisation_id.in_([o.id for o in orgs]))
        .order_by(Cohort.name)
    )
    form.pathway.choices = options("", ((p.id, p.title) for p in course().pathways.values()))[1:]
    form.organisation.choices = options("All your organisations", ((o.id, o.name) for o in orgs))
    form.team.choices = options(
        "All teams", ((t.id, f"{t.name} ({o.name})") for o in orgs for t in o.teams)
    )
    form.job_role.choices = options("All job roles", ((r.name, r.value) for r in JobRole))
    form.cohort.choices = options("All cohorts", ((c.id, c.name) for c in cohorts))
    form.validate()

    def valid(field):
        return field.data if field.data and not field.errors else None

    pathway_id = valid(form.pathway) or next(iter(course().pathways))
    form.pathway.data = pathway_id
    scope = {o.id for o in orgs}
    chosen_org = valid(form.organisation)
    org_ids = frozenset({int(chosen_org)} if chosen_org else scope)
    if current_user.is_admin and not chosen_org:
        org_ids = None
    return form, report_data.Filters(
        pathway_id=pathway_id,
        organisation_ids=org_ids,
        team_id=int(valid(form.team)) if valid(form.team) else None,
        job_role=JobRole[valid(form.job_role)] if valid(form.job_role) else None,
        cohort_id=int(valid(form.cohort)) if valid(form.cohort) else None,
        enrolled_from=valid(form.enrolled_from),
        enrolled_to=valid(form.enrolled_to),
        search=valid(form.search),
        include_deactivated=bool(form.include_deactivated.data),
        status=valid(form.status) if "status" in form else None,
    )


def query_args(form: ReportFilterForm, **changes) -> dict[str, list[str]]:
    """The report's own query-string arguments (the filters, sort and page), for links
    to other pages and orders of it, with some changed. Only these: anything else
    (`_method`, `_external`) would steer url_for instead of being passed on."""
    kept = {field.name for field in form if field.type != "SubmitField"} | {"sort", "page"}
    args = {key: values for key, values in request.args.lists() if key in kept}
    return args | {key: [str(value)] for key, value in changes.items()}


def _report(template: str, **extra):
    """A page of the report: the figures for the filters (worked out once and kept, see
    cache.py), rendered with the filters and the report's sub-navigation."""
    form, filters = _filters()
    pathway = course().pathways[filters.pathway_id]
    spread = distribution.spread(filters)

    def work_out():
        return (
            services.dashboard(filters, pathway, spread.figures),
            services.compare_organisations(filters),
        )

    board, comparison = cached(("dashboard", spread.stamp), filters, work_out)
    return render_template(
        template, form=form, pathway=pathway, board=board, spread=spread,
        comparison=comparison if current_user.is_admin else None,
        renewals=currency.counts(board.certified_until),
        tag_labels=TAG_LABELS, min_group=MIN_GROUP, query=_filter_query(form),
        filtered=_filtered(form), query_args=partial(query_args, form),
        page=max(request.args.get("page", 1, type=int), 1), **extra,
    )  # fmt: skip


def _filter_query(form: ReportFilterForm) -> str:
    """The query string of the filters alone, for links to the report's other pages."""
    args = query_args(form)
    return urlencode([(k, v) for k, values in args.items() if k not in ("sort", "page")
                      for v in values])  # fmt: skip


def _filtered(form: ReportFilterForm) -> bool:
    """Whether any filter other than the pathway is in use (the filters are then shown open)."""
    return any(
        field.data for field in form if field.type != "SubmitField" and field.name != "pathway"
    )


@bp.get("/")
@coordinator_required
def dashboard():
    return _report("reports/overview.html")


@bp.get("/gain")
@coordinator_required
def gain():
    _form, filters = _filters()
    pathway = course().pathways[filters.pathway_id]
    later = cached("follow-up", filters, partial(follow_up.figures, filters, pathway))
    return _report("reports/gain.html", follow_up=later)


@bp.get("/questions")
@coordinator_required
def questions():
    return _report("reports/questions.html", per_page=QUESTIONS_PAGE_SIZE)


@bp.get("/questions/<form_id>/<item_id>")
@coordinator_required
def question(form_id: str, item_id: str):
    test = course().bank.tests.get(form_id)
    item = test.item(item_id) if test else None
    if item is None:
        abort(404)
    _form, filters = _filters()
    kept = summaries.totals(filters, kinds=("takers", "option"), subjects=("", item.id))
    found = choices.item_choices(kept, form_id, item)
    return _report("reports/question.html", test=test, item=item, found=found, Phase=Phase)


@bp.get("/confidence")
@coordinator_required
def confidence():
    return _report("reports/confidence.html")


@bp.get("/rewording")
@coordinator_required
def rewording():
    rules = course().rewording.rules
    labels = {r.id: r.definition.label for r in (*rules.flags, *rules.strengths)} if rules else {}
    return _report("reports/rewording.html", rule_labels=labels)


@bp.get("/learners")
@coordinator_required
def learners():
    form, filters = _filters(LearnerFilterForm)
    pathway = course().pathways[filters.pathway_id]
    rows = cached(
        "learners",
        filters,
        lambda: services.learner_rows(learner_status.load(filters, pathway), pathway),
    )
    sort = request.args.get("sort", "name")
    rows = services.sort_rows(rows, sort)
    page = max(request.args.get("page", 1, type=int), 1)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render_template(
        "reports/learners.html", form=form, pathway=pathway, rows=shown, total=len(rows),
        currency=currency.certificate_currency([row.learner.id for row in shown], pathway),
        page=page, pages=max(1, -(-len(rows) // PAGE_SIZE)), sort=sort,
        query_args=partial(query_args, form), query=_filter_query(form),
        filtered=_filtered(form), action_form=ConfirmForm(),
    )  # fmt: skip


@bp.post("/learners/certificates.zip")
@coordinator_required
def learners_certificates():
    """Queue a ZIP file of the certificates of the learners the filters match (the
    filters travel in the query string, as on the report)."""
    form, filters = _filters(LearnerFilterForm)
    back = redirect(url_for(".learners", **query_args(form)), 303)
    if not ConfirmForm().validate_on_submit():
        return back
    pathway = course().pathways[filters.pathway_id]
    rows = services.learner_rows(learner_status.load(filters, pathway), pathway)
    learners = {row.learner.id: row.learner for row in rows}
    ids = bundles.for_learners(learners, pathway.id)
    if not ids:
        flash("None of these learners has a certificate for this pathway yet.", "important")
        return back
    holders = {learners[user_id].organisation_id for user_id in bundles.holders(ids)}
    if len(holders) > 1:
        flash("These learners are in more than one organisation. Choose one organisation in "
              "the filters to download their certificates.", "important")  # fmt: skip
        return back
    job = bundles.start(ids, current_user, holders.pop(), f"certificates-{pathway.id}",
                        f"pathway {pathway.id}")  # fmt: skip
    flash(f"We are building {len(ids):,} certificate{'' if len(ids) == 1 else 's'}. This page "
          "shows how far we have got, and the download appears here when they are ready.",
          "success")  # fmt: skip
    return redirect(url_for("jobs.progress", job_id=job.id), 303)


@bp.get("/learners/<int:user_id>")
@coordinator_required
@writes_on_get  # the audit log records who looked
def learner(user_id: int):
    person = get_in_scope_or_404(User, user_id)
    record(current_user, "view-learner", f"user {person.id}")
    return render_template(
        "reports/learner.html", detail=services.learner_detail(person), person=person,
        tag_labels=TAG_LABELS, exercises=exercises(),
        shared_reflections=shared_reflections(person),
    )  # fmt: skip


@bp.get("/export/<kind>.csv")
@coordinator_required
@writes_on_get  # the audit log records the export
def export(kind: str):
    if kind not in exports.EXPORTS:
        abort(404)
    form, filters = _filters(LearnerFilterForm)  # the learners list's links carry its status
    pathway = course().pathways[filters.pathway_id]
    if learners := export_jobs.too_large(kind, filters):
        return render_template(
            "reports/export_job.html", kind=kind, learners=learners, pathway=pathway,
            action=url_for(".export_by_job", kind=kind, **query_args(form)),
            back=url_for(".dashboard", **query_args(form)), confirm=ConfirmForm(),
            one_organisation_needed=not export_jobs.one_organisation(filters),
            keep_hours=round(files.max_age().total_seconds() / 3600),
        )  # fmt: skip
    spread = distribution.spread(filters)

    def work_out() -> bytes:
        loaded = learner_status.load(filters, pathway)
        loaded.discrimination = spread.figures
        return exports.EXPORTS[kind](loaded, pathway)

    # A row per answer is too large to keep, and rarely asked for twice. The rest are
    # kept for the day: the learners' certificate currency changes with the date.
    day = utcnow().date().isoformat()
    kept = kind not in exports.NOT_KEPT
    body = cached(("export", kind, day, spread.stamp), filters, work_out) if kept else work_out()
    record(current_user, f"export-{kind}", f"pathway {pathway.id}")
    filename = f"{kind}-{pathway.id}.csv"
    return attachment(body, filename, "text/csv")


@bp.post("/export/<kind>.csv")
@coordinator_required
def export_by_job(kind: str):
    """Queue a job that builds a large export (the filters travel in the query string,
    as on the report)."""
    if kind not in export_jobs.BY_JOB:
        abort(404)
    form, filters = _filters(LearnerFilterForm)
    if not ConfirmForm().validate_on_submit() or not export_jobs.one_organisation(filters):
        return redirect(url_for(".export", kind=kind, **query_args(form)), 303)
    learners = export_jobs.learners_selected(filters)
    job = export_jobs.start(kind, filters, learners, current_user)
    flash(f"We are building the report of {learners:,} learners. This page shows how far "
          "we have got, and the download appears here when it is ready.", "success")  # fmt: skip
    return redirect(url_for("jobs.progress", job_id=job.id), 303)
