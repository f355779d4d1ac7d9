from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from courseapp.access import coordinator_required, get_in_scope_or_404
from courseapp.accounts.forms import ConfirmForm
from courseapp.accounts.models import JobRole, User
from courseapp.mail import mail_configured
from courseapp.organisations.models import Organisation
from courseapp.people import listing, services
from courseapp.people.forms import NO_JOB_ROLE, NO_TEAM, ConfirmEmailForm, person_form

bp = Blueprint("people", __name__, url_prefix="/organisations/<int:org_id>/people")
bp.add_app_template_global(listing.url_with)
bp.add_app_template_global(listing.pagination, "people_pagination")


def _person_or_404(org_id: int, user_id: int) -> tuple[Organisation, User]:
    """A person in an organisation in scope whom the current user may manage."""
    org = get_in_scope_or_404(Organisation, org_id)
    person = get_in_scope_or_404(User, user_id)
    if person.organisation_id != org.id or not services.may_manage(current_user, person):
        abort(404)
    return org, person


def _back(org: Organisation):
    return redirect(url_for("organisations.detail", org_id=org.id, _anchor="people"), 303)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@coordinator_required
def edit(org_id: int, user_id: int):
    org, person = _person_or_404(org_id, user_id)
    form = person_form(person)
    if form.validate_on_submit():
        details = services.Details(
            name=form.name.data,
            email=form.email.data,
            team_id=None if form.team.data == NO_TEAM else int(form.team.data),
            job_role=None if form.job_role.data == NO_JOB_ROLE else JobRole[form.job_role.data],
        )
        try:
            changed = services.update_details(current_user, person, details)
        except services.PersonError as error:
            form.email.errors.append(str(error))
        else:
            if "email" in changed and not mail_configured():
                confirm = ConfirmEmailForm(formdata=None, email=form.email.data)
                return render_template(
                    "people/confirm_email.html", organisation=org, person=person, form=confirm
                )
            if "email" in changed:
                services.request_email_change(current_user, person, form.email.data)
            flash(_saved_message(person, changed, form.email.data), "success")
            return _back(org)
    return render_template("people/edit.html", organisation=org, person=person, form=form)


def _saved_message(person: User, changed: list[str], new_email: str) -> str:
    if not changed:
        return f"Nothing changed for {person.name}."
    if "email" in changed:
        return (
            f"Changes saved. We have emailed {new_email} a link: the email address changes "
            f"when {person.name} follows it."
        )
    return f"Changes saved for {person.name}."


@bp.post("/<int:user_id>/email")
@coordinator_required
def confirm_email(org_id: int, user_id: int):
    org, person = _person_or_404(org_id, user_id)
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            services.confirm_new_email(current_user, person, form.email.data)
        except services.PersonError as error:
            flash(f"The email address was not changed. {error}.", "important")
        else:
            flash(f"{person.name} now signs in with {person.email}.", "success")
    return _back(org)


@bp.post("/<int:user_id>/confirm-address")
@coordinator_required
def confirm_address(org_id: int, user_id: int):
    org, person = _person_or_404(org_id, user_id)
    if ConfirmForm().validate_on_submit() and not person.email_confirmed:
        services.confirm_address(current_user, person)
        flash(f"{person.name}'s email address is confirmed: they can take tests.", "success")
    return _back(org)


@bp.post("/<int:user_id>/deactivate")
@coordinator_required
def deactivate(org_id: int, user_id: int):
    org, person = _person_or_404(org_id, user_id)
    if ConfirmForm().validate_on_submit() and person.active:
        services.deactivate(current_user, person)
        flash(
            f"{person.name}'s account is deactivated: they cannot sign in. Their records are kept.",
            "success",
        )
    return _back(org)


@bp.post("/<int:user_id>/reactivate")
@coordinator_required
def reactivate(org_id: int, user_id: int):
    org, person = _person_or_404(org_id, user_id)
    if ConfirmForm().validate_on_submit() and not person.active:
        services.reactivate(current_user, person)
        flash(f"{person.name}'s account is active again: they can sign in.", "success")
    return _back(org)
