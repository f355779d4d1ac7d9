from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from courseapp.access import coordinator_required, get_child_or_404, get_in_scope_or_404
from courseapp.accounts.forms import ConfirmForm
from courseapp.accounts.models import JobRole, Role
from courseapp.cohorts import imports, join_codes, services
from courseapp.cohorts.forms import UploadForm, cohort_form
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.errors import render_error
from courseapp.organisations.models import Organisation

bp = Blueprint("cohorts", __name__)

# The whole upload request, so that a huge file is refused before it is read
# (the file itself is limited to imports.MAX_BYTES, with a clearer message).
UPLOAD_REQUEST_LIMIT = 4 * imports.MAX_BYTES
MAY_UPLOAD = (Role.COORDINATOR, Role.ADMIN)


@bp.url_value_preprocessor
def _limit_upload_size(endpoint: str | None, _values: dict | None) -> None:
    """Runs before the CSRF check reads the form, unlike a before_request function."""
    if endpoint == "cohorts.upload" and request.method == "POST":
        request.max_content_length = UPLOAD_REQUEST_LIMIT


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    """Show the upload form again with a message, to those who may see it."""
    may_upload = current_user.is_authenticated and current_user.role in MAY_UPLOAD
    if request.endpoint != "cohorts.upload" or not may_upload:
        return render_error(413)
    cohort = get_in_scope_or_404(Cohort, request.view_args["cohort_id"])
    form = UploadForm(formdata=None)
    form.csv_file.errors = [imports.TOO_LARGE]
    return _upload_page(cohort, form, 413)


def _back(cohort: Cohort):
    return redirect(url_for(".detail", cohort_id=cohort.id), 303)


def _import_or_404(cohort_id: int, import_id: int) -> tuple[Cohort, EnrolmentImport]:
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    return cohort, get_child_or_404(EnrolmentImport, import_id, cohort, "cohort_id")


def _upload_page(cohort: Cohort, form: UploadForm, status: int = 200):
    page = render_template(
        "cohorts/upload.html",
        cohort=cohort,
        form=form,
        max_rows=imports.MAX_ROWS,
        job_roles=list(JobRole),
    )
    return page, status


@bp.route("/organisations/<int:org_id>/cohorts/new", methods=["GET", "POST"])
@coordinator_required
def create(org_id: int):
    org = get_in_scope_or_404(Organisation, org_id)
    form = cohort_form()
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(
                org, form.name.data, form.pathway.data, form.starts_on.data, form.ends_on.data
            )
        except services.CohortError as error:
            form.name.errors.append(str(error))
        else:
            flash(
                f"Cohort {cohort.name} created. Its join code is {cohort.display_join_code}.",
                "success",
            )
            return _back(cohort)
    return render_template("cohorts/create.html", form=form, organisation=org)


@bp.get("/cohorts/<int:cohort_id>")
@coordinator_required
def detail(cohort_id: int):
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        pathway_title=services.pathway_titles().get(cohort.pathway_id),
        enrolled=services.enrolled_count(cohort),
        action_form=ConfirmForm(),
    )


# Organisations and cohorts each have a join code, changed by this one view.
JOIN_CODE_HOLDERS = {"organisations": Organisation, "cohorts": Cohort}


@bp.post(
    "/<any(organisations, cohorts):holders>/<int:holder_id>/join-code/<any(new, switch):action>"
)
@coordinator_required
def join_code(holders: str, holder_id: int, action: str):
    holder = get_in_scope_or_404(JOIN_CODE_HOLDERS[holders], holder_id)
    if ConfirmForm().validate_on_submit():
        flash(join_codes.change(holder, action), "success")
    if isinstance(holder, Cohort):
        return _back(holder)
    return redirect(url_for("organisations.detail", org_id=holder.id), 303)


@bp.route("/cohorts/<int:cohort_id>/imports/new", methods=["GET", "POST"])
@coordinator_required
def upload(cohort_id: int):
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    form = UploadForm()
    if form.validate_on_submit():
        file = form.csv_file.data
        try:
            started = imports.start_import(cohort, current_user, file.filename or "", file.stream)
        except imports.ImportFileError as error:
            form.csv_file.errors.append(str(error))
        else:
            return redirect(url_for(".preview", cohort_id=cohort.id, import_id=started.id), 303)
    return _upload_page(cohort, form)


@bp.get("/cohorts/<int:cohort_id>/imports/<int:import_id>")
@coordinator_required
def preview(cohort_id: int, import_id: int):
    cohort, upload = _import_or_404(cohort_id, import_id)
    return render_template(
        "cohorts/preview.html",
        cohort=cohort,
        upload=upload,
        summary=imports.summary(upload),
        action_form=ConfirmForm(),
    )


@bp.post("/cohorts/<int:cohort_id>/imports/<int:import_id>/confirm")
@coordinator_required
def confirm(cohort_id: int, import_id: int):
    cohort, upload = _import_or_404(cohort_id, import_id)
    back = redirect(url_for(".preview", cohort_id=cohort.id, import_id=upload.id), 303)
    if not ConfirmForm().validate_on_submit():
        return back
    if not imports.recheck(upload):
        flash("Some rows have changed since the file was checked. Nothing has been imported "
              "yet: check the rows again.", "important")  # fmt: skip
        return back
    if upload.confirmed_at is None and not imports.summary(upload).to_import:
        return back
    try:
        outcome = imports.confirm(upload, current_user)
    except imports.AlreadyConfirmed:
        flash("This file has already been imported.", "important")
        return back
    except imports.ImportFileError as error:
        flash(f"Nothing has been imported. {error}.", "important")
        return back
    links = imports.send_password_links(outcome.created)
    imports.tell_learners_elsewhere(outcome.elsewhere, cohort)
    return render_template(
        "cohorts/imported.html", cohort=cohort, summary=outcome.summary, links=links
    )
