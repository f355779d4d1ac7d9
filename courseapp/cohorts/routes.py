from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from courseapp.access import coordinator_required, get_child_or_404, get_in_scope_or_404
from courseapp.accounts.forms import ConfirmForm
from courseapp.accounts.models import JobRole, Role, User
from courseapp.certificates import bundles
from courseapp.cohorts import import_jobs, import_links, imports, join_codes, members, services
from courseapp.cohorts.forms import CohortDetailsForm, MoveForm, UploadForm, cohort_form
from courseapp.cohorts.import_file import MAX_BYTES, MAX_ROWS, TOO_LARGE, ImportFileError
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.downloads import attachment
from courseapp.errors import render_error
from courseapp.forms import options
from courseapp.mail import mail_configured
from courseapp.organisations.models import Organisation
from courseapp.people import listing
from courseapp.people.forms import PeopleSearchForm
from courseapp.templating import local_time

bp = Blueprint("cohorts", __name__)

# The whole upload request, so that a huge file is refused before it is read
# (the file itself is limited to MAX_BYTES, with a clearer message).
UPLOAD_REQUEST_LIMIT = 4 * MAX_BYTES
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
    form.csv_file.errors = [TOO_LARGE]
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
        max_rows=MAX_ROWS,
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
                org, form.name.data, form.pathway.data, form.starts_on.data, form.ends_on.data,
                due_on=form.due_on.data,
            )  # fmt: skip
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
    search_form = PeopleSearchForm(request.args)
    search_form.validate()
    args = listing.listing_args() | {"search": search_form.q.data or ""}
    page = listing.people_page(members.members_query(cohort), **args)
    pathway = services.cohort_pathway(cohort)
    module_ids = [module.id for module in pathway.modules] if pathway else []
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        pathway_title=services.pathway_titles().get(cohort.pathway_id),
        enrolled=services.enrolled_count(cohort),
        certificates=len(bundles.for_cohort(cohort)),
        action_form=ConfirmForm(),
        people_search=search_form,
        members=page,
        statuses=members.member_statuses(cohort, page.people, module_ids),
        module_count=len(module_ids),
    )


@bp.post("/cohorts/<int:cohort_id>/certificates.zip")
@coordinator_required
def certificates_zip(cohort_id: int):
    """Queue a ZIP file of the certificates of the cohort's learners (a job builds it)."""
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    if not ConfirmForm().validate_on_submit():
        return _back(cohort)
    ids = bundles.for_cohort(cohort)
    if not ids:
        flash("Nobody in this cohort has a certificate yet.", "important")
        return _back(cohort)
    job = bundles.start(ids, current_user, cohort.organisation_id,
                        f"certificates-cohort-{cohort.id}", f"cohort {cohort.id}")  # fmt: skip
    flash(f"We are building {len(ids):,} certificate{'' if len(ids) == 1 else 's'}. This page "
          "shows how far we have got, and the download appears here when they are ready.",
          "success")  # fmt: skip
    return redirect(url_for("jobs.progress", job_id=job.id), 303)


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
        except ImportFileError as error:
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
        job=import_jobs.existing_job(upload) if upload.confirmed_at is None else None,
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
    to_import = imports.summary(upload).to_import
    if upload.confirmed_at is None and not to_import:
        return back
    large = upload.confirmed_at is None and to_import > current_app.config["IMPORT_JOB_THRESHOLD"]
    if large or import_jobs.existing_job(upload) is not None:
        return _confirm_as_job(upload)
    try:
        outcome = imports.confirm(upload, current_user)
    except imports.AlreadyConfirmed:
        flash("This file has already been imported.", "important")
        return back
    except ImportFileError as error:
        flash(f"Nothing has been imported. {error}.", "important")
        return back
    # With mail set up the coordinator sends the links with one button (email_links);
    # without it they are shown here to pass on, and can be downloaded once.
    links = [] if mail_configured() else import_links.send_password_links(outcome.created)
    import_links.tell_learners_elsewhere(outcome.elsewhere, cohort)
    return _imported_page(cohort, upload, outcome.summary, links)


def _confirm_as_job(upload: EnrolmentImport):
    """A large file: a job imports it (see import_jobs); its page follows the job."""
    job = import_jobs.existing_job(upload)
    if job is not None:
        flash("This file is already being imported. This page shows how far we have got.",
              "important")  # fmt: skip
    else:
        job = import_jobs.start(upload, current_user)
        flash(f"We are enrolling {job.total:,} learners in {upload.cohort.name}. This page shows "
              "how far we have got.", "success")  # fmt: skip
    return redirect(url_for("jobs.progress", job_id=job.id), 303)


@bp.get("/cohorts/<int:cohort_id>/imports/<int:import_id>/imported")
@coordinator_required
def imported(cohort_id: int, import_id: int):
    """What a confirmed import did, with the ways to send the new learners their links
    (where a job that imported a large file leads)."""
    cohort, upload = _import_or_404(cohort_id, import_id)
    if upload.confirmed_at is None:
        abort(404)
    return _imported_page(cohort, upload, imports.summary(upload), [])


def _imported_page(cohort: Cohort, upload: EnrolmentImport, summary, links, status: int = 200):
    page = render_template(
        "cohorts/imported.html",
        cohort=cohort,
        upload=upload,
        summary=summary,
        links=links,
        new_learners=len(import_links.created_learners(upload)),
        action_form=ConfirmForm(),
    )
    return page, status


@bp.get("/cohorts/<int:cohort_id>/imports/template.csv")
@coordinator_required
def import_template(cohort_id: int):
    get_in_scope_or_404(Cohort, cohort_id)
    return _csv(import_links.template_csv(), "learners-template.csv")


@bp.post("/cohorts/<int:cohort_id>/imports/<int:import_id>/password-links.csv")
@coordinator_required
def links_csv(cohort_id: int, import_id: int):
    """A POST, so that no link from elsewhere can spend the one download."""
    cohort, upload = _import_or_404(cohort_id, import_id)
    if upload.confirmed_at is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".preview", cohort_id=cohort.id, import_id=upload.id), 303)
    try:
        body = import_links.links_csv(upload, current_user)
    except import_links.LinksAlreadyGiven:
        when = local_time(upload.links_downloaded_at, cohort.organisation, "date_time")
        flash(
            f"The password links file for this import was downloaded on {when}, and is given "
            "only once. To give someone a new link, use Password link beside their name on "
            f"the {cohort.organisation.name} page.",
            "important",
        )
        return redirect(url_for(".preview", cohort_id=cohort.id, import_id=upload.id), 303)
    return _csv(body, f"password-links-{cohort.id}-{upload.id}.csv")


@bp.post("/cohorts/<int:cohort_id>/imports/<int:import_id>/email-links")
@coordinator_required
def email_links(cohort_id: int, import_id: int):
    cohort, upload = _import_or_404(cohort_id, import_id)
    back = redirect(url_for(".preview", cohort_id=cohort.id, import_id=upload.id), 303)
    if upload.confirmed_at is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return back
    if not mail_configured():
        flash("Email is not set up for this service, so the links cannot be emailed.",
              "important")  # fmt: skip
        return back
    job = import_links.email_links(upload, current_user)
    flash(f"We are sending {job.total} email{'' if job.total == 1 else 's'} with set-password "
          "links. This page shows how far we have got.", "success")  # fmt: skip
    return redirect(url_for("jobs.progress", job_id=job.id), 303)


def _csv(body: bytes, filename: str) -> Response:
    return attachment(body, filename, "text/csv")


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(cohort_id: int):
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    form = CohortDetailsForm(obj=cohort)
    if form.validate_on_submit():
        try:
            members.update_details(
                current_user, cohort, form.name.data,
                form.starts_on.data, form.ends_on.data, form.due_on.data,
            )  # fmt: skip
        except members.CohortChangeError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Cohort {cohort.name} saved.", "success")
            return _back(cohort)
    return render_template("cohorts/edit.html", form=form, cohort=cohort)


@bp.post("/cohorts/<int:cohort_id>/close")
@coordinator_required
def close(cohort_id: int):
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    if ConfirmForm().validate_on_submit() and not cohort.closed:
        members.close(current_user, cohort)
        flash(f"{cohort.name} is closed: nobody new can join it. It is still in the reports.",
              "success")  # fmt: skip
    return _back(cohort)


@bp.post("/cohorts/<int:cohort_id>/reopen")
@coordinator_required
def reopen(cohort_id: int):
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    if ConfirmForm().validate_on_submit() and cohort.closed:
        members.reopen(current_user, cohort)
        flash(f"{cohort.name} is open again.", "success")
    return _back(cohort)


def _member_or_404(cohort_id: int, user_id: int):
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    person = get_in_scope_or_404(User, user_id)
    enrolment = members.membership(cohort, person)
    if enrolment is None:
        abort(404)
    return cohort, person, enrolment


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>", methods=["GET", "POST"])
@coordinator_required
def member(cohort_id: int, user_id: int):
    cohort, person, enrolment = _member_or_404(cohort_id, user_id)
    form = MoveForm()
    targets = members.move_targets(cohort)
    form.cohort.choices = options("Choose a cohort", ((c.id, c.name) for c in targets))
    if form.validate_on_submit():
        to = next(c for c in targets if str(c.id) == form.cohort.data)
        members.move(current_user, enrolment, to)
        flash(f"{person.name} moved to {to.name}.", "success")
        return _back(cohort)
    return render_template(
        "cohorts/member.html", cohort=cohort, person=person, form=form,
        targets=targets, action_form=ConfirmForm(),
    )  # fmt: skip


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
@coordinator_required
def remove_member(cohort_id: int, user_id: int):
    """Removing someone already removed (a double click, a second tab) changes nothing."""
    cohort = get_in_scope_or_404(Cohort, cohort_id)
    person = get_in_scope_or_404(User, user_id)
    if person.organisation_id != cohort.organisation_id:
        abort(404)
    enrolment = members.membership(cohort, person)
    if ConfirmForm().validate_on_submit() and enrolment is not None:
        members.remove(current_user, enrolment)
        flash(f"{person.name} is no longer in {cohort.name}. Their progress is kept.", "success")
    return _back(cohort)
