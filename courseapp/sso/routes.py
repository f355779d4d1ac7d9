"""Single sign-on pages: starting and finishing sign-in with an organisation's
provider, the short first sign-in and linking forms, and the administrators' pages."""

from __future__ import annotations

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from joserfc.errors import JoseError

from courseapp.access import coordinator_required, get_in_scope_or_404
from courseapp.accounts.models import JobRole
from courseapp.database import writes_on_get
from courseapp.extensions import db, limit_posts, refused
from courseapp.forms import options
from courseapp.organisations.models import Organisation
from courseapp.security import safe_next_url
from courseapp.sso import connections, encryption, provider, services
from courseapp.sso.forms import ConnectionForm, FirstSignInForm, LinkForm, RemoveForm
from courseapp.sso.models import Connection

bp = Blueprint("sso", __name__)

NEXT_KEY = "sso_next"
SIGNED_OUT_KEY = "sso_signed_out"
NO_TEAM = "none"
FLOW_ERRORS = (
    OAuthError,
    JoseError,
    requests.RequestException,
    provider.ProviderUnavailable,
    encryption.EncryptionKeyMissing,
    ValueError,
)


def offer(connection: Connection, email: str, next_url: str | None, *, refused: bool = False):
    """The page that sends someone on to their organisation's sign-in."""
    return render_template(
        "sso/offer.html",
        connection=connection,
        organisation=connection.organisation,
        start_url=url_for(
            "sso.start", slug=connection.organisation.slug, next=next_url, hint=email
        ),
        refused=refused,
    )


def _refused(refusal: services.SignInRefused):
    return render_template("sso/refused.html", message=str(refusal)), refusal.status


def _finish(user, connection_id: int, message: str | None = None):
    next_url = session.get(NEXT_KEY)
    services.start_session(user, connection_id)  # a fresh session
    if message:
        flash(message, "success")
    return redirect(safe_next_url(next_url) or url_for("site.index"))


@bp.get("/login/<slug>")
def start(slug: str):
    """Start signing in with the organisation's provider (a link for its intranet)."""
    if current_user.is_authenticated:
        return redirect(url_for("site.index"))
    connection = connections.connection_for_slug(slug)
    if connection is None:
        abort(404)
    session[NEXT_KEY] = safe_next_url(request.args.get("next"))
    hint = (request.args.get("hint") or "").strip()[:320] or None
    redirect_uri = url_for(".callback", _external=True)
    try:
        return provider.authorisation_redirect(connection, redirect_uri, login_hint=hint)
    except FLOW_ERRORS as error:
        current_app.logger.warning("SSO start failed for connection %s: %r", connection.id, error)
        return _refused(services.explain(error))


@bp.get("/sso/callback")
@writes_on_get  # the provider sends people here from its own site, by design
def callback():
    connection_id = provider.state_connection_id(request.args.get("state"))
    connection = db.session.get(Connection, connection_id) if connection_id else None
    try:
        if connection is None:
            raise MismatchingStateError
        claims = provider.verified_claims(connection)
        outcome = services.sign_in_from_claims(connection, claims)
    except services.SignInRefused as refusal:
        return _refused(refusal)
    except FLOW_ERRORS as error:
        current_app.logger.warning("SSO sign-in refused: %r", error)
        return _refused(services.explain(error))
    if not isinstance(outcome, services.Pending):
        return _finish(outcome, connection.id)
    services.keep_pending(outcome)
    if services.needs_link(outcome) is not None:
        return redirect(url_for(".link"))
    if outcome.job_role is None or outcome.team_id is None:
        return redirect(url_for(".first_sign_in"))
    try:  # the provider's claims answered the first sign-in question
        user = services.create_learner(outcome, outcome.team_id, outcome.job_role_choice)
    except services.SignInRefused as refusal:
        return _refused(refusal)
    return _finish(user, connection.id)


def _pending_or_404():
    pending = services.pending()
    if pending is None:
        abort(404)
    return pending


@bp.route("/sso/your-details", methods=["GET", "POST"])
def first_sign_in():
    pending = _pending_or_404()
    connection = db.session.get(Connection, pending.connection_id)
    if connection is None:
        abort(404)
    org = connection.organisation
    form = FirstSignInForm(
        job_role=pending.job_role, team=str(pending.team_id) if pending.team_id else None
    )
    teams = [(team.id, team.name) for team in org.teams] + [(NO_TEAM, "My team is not listed")]
    form.team.choices = options("Choose your team", teams)
    if form.validate_on_submit():
        team_id = None if form.team.data in ("", NO_TEAM) else int(form.team.data)
        try:
            user = services.create_learner(pending, team_id, JobRole[form.job_role.data])
        except services.SignInRefused as refusal:
            return _refused(refusal)
        return _finish(user, connection.id)
    return render_template("sso/first_sign_in.html", form=form, organisation=org, name=pending.name)


@bp.route("/sso/link", methods=["GET", "POST"])
@limit_posts("LOGIN_LIMIT_PER_ADDRESS", "login-address", counts=refused)
def link():
    pending = _pending_or_404()
    account = services.needs_link(pending)
    if account is None:
        return redirect(url_for(".first_sign_in"))
    form = LinkForm()
    if form.validate_on_submit():
        try:
            user = services.link_account(pending, form.password.data)
        except services.SignInRefused as refusal:
            return _refused(refusal)
        if user is not None:
            linked = "Your organisation account is now linked to your account here."
            return _finish(user, pending.connection_id, linked)
        form.password.errors.append("The password is not correct")
    return render_template(
        "sso/link.html", form=form, email=pending.email, has_password=bool(account.password_hash)
    )


@bp.get("/signed-out")
def signed_out():
    end_session_url = session.pop(SIGNED_OUT_KEY, None)
    if not end_session_url:
        return redirect(url_for("accounts.login"))
    return render_template("sso/signed_out.html", end_session_url=end_session_url)


def _admin_organisation(org_id: int) -> Organisation:
    """The organisation, for an administrator; coordinators of other organisations are
    told it does not exist, its own coordinators that they may not."""
    org = get_in_scope_or_404(Organisation, org_id)
    if not current_user.is_admin:
        abort(403)
    return org


@bp.route("/organisations/<int:org_id>/single-sign-on", methods=["GET", "POST"])
@coordinator_required
def settings(org_id: int):
    org = _admin_organisation(org_id)
    connection = connections.connection_for(org)
    form = ConnectionForm()
    if connection is not None and not form.is_submitted():
        form.issuer.data = connection.issuer
        form.client_id.data = connection.client_id
        form.domains.data = "\n".join(connection.domain_names)
        form.allow_passwords.data = "yes" if connection.allow_passwords else "no"
        form.trust_unverified_claim.data = "yes" if connection.trust_unverified_claim else "no"
        form.team_claim.data = connection.team_claim or ""
        form.job_role_claim.data = connection.job_role_claim or ""
    if form.validate_on_submit():
        try:
            connections.save(
                org,
                connections.Settings(
                    issuer=form.issuer.data,
                    client_id=form.client_id.data,
                    client_secret=form.client_secret.data or None,
                    domains=form.domains.data,
                    allow_passwords=form.allow_passwords.data == "yes",
                    trust_unverified_claim=form.trust_unverified_claim.data == "yes",
                    team_claim=form.team_claim.data,
                    job_role_claim=form.job_role_claim.data,
                ),
                current_user._get_current_object(),
            )
        except connections.SettingsError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash(f"Single sign-on for {org.name} has been saved.", "success")
            return redirect(url_for(".settings", org_id=org.id), 303)
    return render_template("sso/settings.html", form=form, organisation=org, connection=connection)


@bp.route("/organisations/<int:org_id>/single-sign-on/remove", methods=["GET", "POST"])
@coordinator_required
def remove(org_id: int):
    org = _admin_organisation(org_id)
    connection = connections.connection_for(org)
    if connection is None:
        abort(404)
    form = RemoveForm()
    if form.validate_on_submit():
        connections.remove(connection, current_user._get_current_object())
        flash(f"Single sign-on for {org.name} has been removed.", "success")
        return redirect(url_for("organisations.detail", org_id=org.id), 303)
    return render_template("sso/remove.html", form=form, organisation=org, connection=connection)
