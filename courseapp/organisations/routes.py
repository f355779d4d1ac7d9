from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from courseapp.access import (
    admin_required,
    coordinator_required,
    get_child_or_404,
    get_in_scope_or_404,
)
from courseapp.accounts.forms import ConfirmForm
from courseapp.accounts.models import User
from courseapp.accounts.services import AccountError, issue_password_link
from courseapp.cohorts import services as cohort_services
from courseapp.organisations import logos, services
from courseapp.organisations.forms import (
    CoordinatorForm,
    JoinDomainsForm,
    LogoForm,
    OrganisationForm,
    TeamForm,
)
from courseapp.organisations.models import Organisation, Sector
from courseapp.people import listing
from courseapp.people import services as people_services
from courseapp.people.forms import PeopleSearchForm

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _detail(org: Organisation, team_form: TeamForm | None = None, status: int = 200):
    search_form = PeopleSearchForm(request.args)
    search_form.validate()
    people = listing.listing_args() | {"search": search_form.q.data or ""}
    return (
        render_template(
            "organisations/detail.html",
            organisation=org,
            people_search=search_form,
            members=listing.people_page(people_services.members_query(org), **people),
            coordinators=listing.people_page(
                people_services.coordinators_query(org),
                search=people["search"],
                page=request.args.get("cpage", 1, type=int) or 1,
                page_arg="cpage",
            ),
            cohorts=cohort_services.cohorts_for(org),
            team_form=team_form or TeamForm(),
            action_form=ConfirmForm(),
        ),
        status,
    )


def _send_password_link(org: Organisation, user: User, emailed_message: str):
    """Email the link if mail is set up; otherwise show it for the coordinator to pass on."""
    link = issue_password_link(user)
    if link is None:
        flash(emailed_message, "success")
        return _back(org)
    return render_template(
        "organisations/password_link.html", organisation=org, user=user, link=link
    )


def _back(org: Organisation):
    return redirect(url_for(".detail", org_id=org.id), 303)


@bp.get("/")
@coordinator_required
def index():
    orgs = services.organisations_in_scope(current_user)
    return render_template("organisations/index.html", organisations=orgs)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = services.create_organisation(
                form.name.data, Sector[form.sector.data], form.timezone.data
            )
        except services.OrganisationError as error:
            form.name.errors.append(str(error))
        else:
            flash(
                f"{org.name} has been created. Its join code is {org.display_join_code}.", "success"
            )
            return _back(org)
    return render_template("organisations/create.html", form=form)


@bp.get("/<int:org_id>")
@coordinator_required
def detail(org_id: int):
    return _detail(get_in_scope_or_404(Organisation, org_id))


@bp.post("/<int:org_id>/teams")
@coordinator_required
def add_team(org_id: int):
    org = get_in_scope_or_404(Organisation, org_id)
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.add_team(org, form.team_name.data)
        except services.OrganisationError as error:
            form.team_name.errors.append(str(error))
        else:
            flash(f"Team {team.name} added.", "success")
            return _back(org)
    return _detail(org, team_form=form, status=400)


@bp.route("/<int:org_id>/joining", methods=["GET", "POST"])
@coordinator_required
def joining(org_id: int):
    org = get_in_scope_or_404(Organisation, org_id)
    form = JoinDomainsForm(data={"domains": "\n".join(org.join_email_domains)})
    if form.validate_on_submit():
        services.set_join_domains(current_user, org, form.domain_names)
        if org.join_email_domains:
            domains = ", ".join(org.join_email_domains)
            flash(f"Only people with an address in {domains} can now join {org.name}.", "success")
        else:
            flash(f"Anyone with a join code can now join {org.name}.", "success")
        return _back(org)
    return render_template("organisations/joining.html", form=form, organisation=org)


@bp.post("/<int:org_id>/members/<int:user_id>/password-link")
@coordinator_required
def password_link(org_id: int, user_id: int):
    org = get_in_scope_or_404(Organisation, org_id)
    user = get_child_or_404(User, user_id, org, "organisation_id")
    if not people_services.may_manage(current_user, user):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return _back(org)
    return _send_password_link(org, user, f"We have emailed {user.name} a password link.")


@bp.route("/<int:org_id>/coordinators/new", methods=["GET", "POST"])
@admin_required
def add_coordinator(org_id: int):
    org = get_in_scope_or_404(Organisation, org_id)
    form = CoordinatorForm()
    if form.validate_on_submit():
        try:
            user, created = services.appoint_coordinator(org, form.name.data, form.email.data)
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            if not created:
                flash(f"{user.name} is now a coordinator of {org.name}.", "success")
                return _back(org)
            return _send_password_link(org, user, f"{user.name} added and emailed a password link.")
    return render_template("organisations/add_coordinator.html", form=form, organisation=org)


@bp.route("/<int:org_id>/logo", methods=["GET", "POST"])
@admin_required
def logo(org_id: int):
    org = get_in_scope_or_404(Organisation, org_id)
    form = LogoForm()
    if form.validate_on_submit():
        try:
            logos.set_logo(current_user, org, form.logo.data.read(logos.MAX_BYTES + 1))
        except logos.LogoError as error:
            form.logo.errors.append(str(error))
        else:
            flash(f"The logo for {org.name}'s certificates has been saved.", "success")
            return _back(org)
    return render_template(
        "organisations/logo.html",
        organisation=org,
        form=form,
        logo_uri=logos.logo_data_uri(org),
        action_form=ConfirmForm(),
    )


@bp.post("/<int:org_id>/logo/remove")
@admin_required
def remove_logo(org_id: int):
    org = get_in_scope_or_404(Organisation, org_id)
    if ConfirmForm().validate_on_submit() and org.logo_type:
        logos.remove_logo(current_user, org)
        flash(f"The logo has been removed from {org.name}'s certificates.", "success")
    return _back(org)
