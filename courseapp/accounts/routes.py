from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from courseapp.access import login_required
from courseapp.accounts import services
from courseapp.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    FirstAdminForm,
    ForgottenPasswordForm,
    JoinCodeForm,
    LoginForm,
    NameForm,
    RegistrationForm,
    SetPasswordForm,
)
from courseapp.accounts.models import JobRole
from courseapp.audit.services import record
from courseapp.cohorts.services import enrol_new_learner
from courseapp.extensions import client_address, limit_posts, limiter, moved_on, refused
from courseapp.forms import options
from courseapp.security import safe_next_url
from courseapp.sso import connections as sso_connections
from courseapp.sso import routes as sso_routes
from courseapp.sso import services as sso_services
from courseapp.sso.forms import OrganisationSignInForm

bp = Blueprint("accounts", __name__)

UNKNOWN_CODE = (
    "That join code is not recognised or has been switched off. "
    "Check it with your training coordinator."
)
NO_TEAM = "none"
NO_ORGANISATION_SIGN_IN = (
    "Your organisation has not set up its own sign-in here. Sign in with your password."
)


def _login_account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _home():
    return redirect(url_for("site.index"))


# One count for both steps of joining, so that failed tries from one address (unknown
# join codes, refused registrations) are throttled together, in the same storage as
# sign-in. A training room shares one address: its people joining are not failures.
_registration_limit = limiter.shared_limit(
    lambda: current_app.config["REGISTER_LIMIT_PER_ADDRESS"],
    scope="register-address",
    key_func=client_address,
    methods=["POST"],
    deduct_when=refused,
)


@bp.route("/register", methods=["GET", "POST"])
@_registration_limit
def join():
    form = JoinCodeForm()
    if form.validate_on_submit():
        target = services.join_target(form.code.data)
        if target is not None:
            return redirect(url_for(".register", code=target.code))
        form.code.errors.append(UNKNOWN_CODE)
    return render_template("accounts/join.html", form=form)


@bp.route("/register/<code>", methods=["GET", "POST"])
@_registration_limit
@limit_posts("REGISTER_ACCOUNTS_PER_ADDRESS", "register-accounts", counts=moved_on)
def register(code: str):
    if current_user.is_authenticated:
        return _home()
    target = services.join_target(code)
    if target is None:
        form = JoinCodeForm(formdata=None, code=code)
        form.code.errors = [UNKNOWN_CODE]
        return render_template("accounts/join.html", form=form), 404
    org = target.organisation
    form = RegistrationForm()
    teams = [(team.id, team.name) for team in org.teams] + [(NO_TEAM, "My team is not listed")]
    form.team.choices = options("Choose your team", teams)
    if form.validate_on_submit():
        details = services.Registration(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            job_role=JobRole[form.job_role.data],
            team_id=None if form.team.data in ("", NO_TEAM) else int(form.team.data),
        )
        try:
            user = services.join(target, details)
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            enrol_new_learner(user, target.cohort)
            services.start_session(user)
            flash(
                f"Your account has been created. Welcome, {user.name}. "
                f"Confirm your email address, {user.email}, before you take a test.",
                "success",
            )
            return _home()
    return render_template(
        "accounts/register.html", form=form, organisation=org, cohort=target.cohort
    )


@bp.route("/login", methods=["GET", "POST"])
@limit_posts("LOGIN_LIMIT_PER_ADDRESS", "login-address", counts=refused)
@limit_posts(
    "LOGIN_LIMIT_PER_ACCOUNT", "login-account", key_func=_login_account_key, counts=refused
)
def login():
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.index"))
    form = LoginForm()
    if form.is_submitted() and ("organisation" in request.form or not form.password.data):
        # The email address alone: offer the organisation's own sign-in if it has one.
        email_form = OrganisationSignInForm()
        if email_form.validate_on_submit():
            connection = sso_connections.connection_for_email(email_form.email.data)
            if connection is not None:
                return sso_routes.offer(connection, email_form.email.data, next_url)
        if "organisation" in request.form:
            form.email.errors = list(email_form.email.errors) or [NO_ORGANISATION_SIGN_IN]
            return render_template("accounts/login.html", form=form)
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        refused_by = sso_connections.password_refused_by(user) if user is not None else None
        if refused_by is not None:
            return sso_routes.offer(refused_by, form.email.data, next_url, refused=True)
        if user is not None:
            services.start_session(user)
            return redirect(next_url or url_for("site.index"))
        form.email.errors.append("The email address or password is not correct")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    end_session_url = None
    if form.validate_on_submit():
        end_session_url = sso_services.end_session_url(url_for(".login", _external=True))
        services.end_session(current_user._get_current_object())
        flash("You have signed out.", "success")
    if end_session_url:  # offer to sign out of the organisation's account too
        session[sso_routes.SIGNED_OUT_KEY] = end_session_url
        target = url_for("sso.signed_out")
    else:
        target = url_for(".login")
    response = redirect(target, 303)
    response.headers["Clear-Site-Data"] = '"storage"'  # drafts kept in this browser
    return response


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.known_personal = (current_user.name, current_user.email)
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(), form.current_password.data, form.password.data
            )
        except services.AccountError as error:
            form.current_password.errors.append(str(error))
        else:
            flash(
                "Your password has been changed. You have been signed out everywhere else.",
                "success",
            )
            return redirect(url_for(".account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password_from_link(token: str):
    user = services.user_for_password_token(token)
    if user is None:
        return render_template("accounts/link_invalid.html"), 404
    form = SetPasswordForm()
    form.known_personal = (user.name, user.email)
    if form.validate_on_submit():
        services.set_password_from_link(user, form.password.data)
        flash(
            "Your password has been set. Sign in with your email address and new password.",
            "success",
        )
        return redirect(url_for(".login"))
    return render_template("accounts/set_password.html", form=form, user=user)


@bp.route("/password/forgotten", methods=["GET", "POST"])
@limit_posts("RESET_LIMIT_PER_ADDRESS", "reset-address")
@limit_posts("RESET_LIMIT_PER_ACCOUNT", "reset-account", key_func=_login_account_key)
def forgotten_password():
    """The same page, in the same time, whether or not the address has an account: the
    email, if any, is sent after the response (see services.password_reset_for)."""
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        send_later = services.password_reset_for(form.email.data)
        response = make_response(render_template("accounts/reset_requested.html", form=form))
        response.call_on_close(send_later)
        return response
    return render_template("accounts/forgotten_password.html", form=form)


@bp.route("/account/name", methods=["GET", "POST"])
@login_required
def change_name():
    form = NameForm(data={"name": current_user.name})
    if form.validate_on_submit():
        services.rename(current_user._get_current_object(), form.name.data)
        flash("Your name has been changed.", "success")
        return redirect(url_for(".account"))
    return render_template("accounts/change_name.html", form=form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    found = services.email_change_for_token(token)
    if found is None:
        return render_template("accounts/link_invalid.html"), 404
    user, new_email = found
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_email_change(user, new_email)
        except services.AccountError as error:
            flash(str(error), "important")
            return render_template("accounts/link_invalid.html"), 409
        record(user, "confirm-email", f"user {user.id}")
        flash(f"Your email address is now {new_email}. Use it to sign in.", "success")
        return redirect(url_for(".login"), 303)
    return render_template("accounts/confirm_email.html", form=form, new_email=new_email)


@bp.route("/account/confirm/<token>", methods=["GET", "POST"])
def confirm_address(token: str):
    """The link sent to a new account's address: its page confirms the address with a
    button (a GET writes nothing), and says so once it is, however often it is opened."""
    user = services.user_for_confirmation_token(token)
    if user is None:
        return render_template("accounts/link_invalid.html", confirmation=True), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        user.confirm_email()
        return redirect(request.path, 303)
    if user.email_confirmed:
        return render_template("accounts/address_confirmed.html", user=user)
    return render_template("accounts/confirm_address.html", form=form, user=user)


def _account_key() -> str:
    return f"user:{current_user.id}"


@bp.post("/account/confirm")
@login_required
@limit_posts("RESET_LIMIT_PER_ADDRESS", "confirm-address")
@limit_posts("RESET_LIMIT_PER_ACCOUNT", "confirm-account", key_func=_account_key)
def send_confirmation():
    user = current_user._get_current_object()
    sending = ConfirmForm().validate_on_submit() and not user.email_confirmed
    if sending and services.send_confirmation_link(user):
        flash(f"We have sent a new link to {user.email}.", "success")
    return redirect(safe_next_url(request.args.get("next")) or url_for(".account"), 303)


@bp.route("/setup/<token>", methods=["GET", "POST"])
def first_admin(token: str):
    if not services.first_admin_token_valid(token):
        # Before anyone is an administrator there is no coordinator to ask.
        first_admin = not services.admin_exists()
        return render_template("accounts/link_invalid.html", first_admin=first_admin), 404
    form = FirstAdminForm()
    if form.validate_on_submit():
        try:
            user = services.create_admin(form.name.data, form.email.data, form.password.data)
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            services.start_session(user)
            flash("Your administrator account has been created.", "success")
            return redirect(url_for("organisations.index"))
    return render_template("accounts/first_admin.html", form=form)
