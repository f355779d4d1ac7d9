from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from courseapp.accounts.models import JobRole
from courseapp.accounts.passwords import MAX_LENGTH, policy_problems
from courseapp.forms import Form, entered, options, strip


class GovEmailInput(GovTextInput):
    input_type = "email"


def name_field(required: str = "Enter your full name") -> StringField:
    return StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[*entered(required), Length(max=200)],
    )


def email_checks(required: str = "Enter your email address") -> list:
    return [
        *entered(required),
        Length(max=320),
        Email(message="Enter an email address in the correct format, like name@example.org"),
    ]


def email_field(required: str = "Enter your email address") -> EmailField:
    return EmailField(
        "Email address", widget=GovEmailInput(), filters=[strip], validators=email_checks(required)
    )


def _personal_details(form: Form) -> tuple[str, ...]:
    """Words from the user's name and email, which a password should not contain."""
    known = list(getattr(form, "known_personal", ()))
    for name in ("name", "email"):
        field = getattr(form, name, None)
        if field is not None and field.data:
            known.append(str(field.data))
    return tuple(" ".join(known).replace("@", " ").replace(".", " ").split())


def check_new_password(form: Form, field: PasswordField) -> None:
    problems = policy_problems(field.data or "", personal=_personal_details(form))
    if problems:
        raise ValidationError(problems[0])


def _new_password_field(label: str = "Create a password") -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description="At least 12 characters, and not containing your name or any part of your "
        "email address (such as the part before the @). Several words together are easy to "
        f"remember and hard to guess. Up to {MAX_LENGTH} characters.",
        validators=[InputRequired(message="Enter a password"), check_new_password],
    )


class JoinCodeForm(Form):
    code = StringField(
        "Join code",
        widget=GovTextInput(),
        description="Your training coordinator gives you this code. It looks like ABCD-EF23.",
        filters=[strip],
        validators=[*entered("Enter the join code"), Length(max=32)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def job_role_field() -> SelectField:
    return SelectField(
        "Your job role",
        widget=GovSelect(),
        choices=options("Choose your job role", ((role.name, role.value) for role in JobRole)),
        validators=[InputRequired(message="Choose your job role")],
    )


def team_field() -> SelectField:
    """The organisation's teams; the view fills in the choices."""
    return SelectField(
        "Your team",
        widget=GovSelect(),
        choices=[],
        validators=[InputRequired(message="Choose your team, or say it is not listed")],
    )


class RegistrationForm(Form):
    name = name_field()
    email = email_field()
    password = _new_password_field()
    job_role = job_role_field()
    team = team_field()
    submit = SubmitField("Create account", widget=GovSubmitInput())


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=MAX_LENGTH * 4)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    password = _new_password_field("New password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SetPasswordForm(Form):
    password = _new_password_field()
    submit = SubmitField("Set password", widget=GovSubmitInput())


class FirstAdminForm(Form):
    name = name_field()
    email = email_field()
    password = _new_password_field()
    submit = SubmitField("Create administrator account", widget=GovSubmitInput())


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for actions behind a single button."""


class ForgottenPasswordForm(Form):
    email = email_field()
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class NameForm(Form):
    name = name_field()
    submit = SubmitField("Save your name", widget=GovSubmitInput())
