from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from courseapp.accounts.forms import email_field, job_role_field, team_field
from courseapp.forms import Form, choices, entered, strip

YES_NO = choices((("yes", "Yes"), ("no", "No")))


class ConnectionForm(Form):
    issuer = StringField(
        "Issuer URL",
        widget=GovTextInput(),
        description="For Microsoft Entra ID, https://login.microsoftonline.com/<tenant ID>/v2.0. "
        "For Google Workspace, https://accounts.google.com.",
        filters=[strip],
        validators=[*entered("Enter the issuer URL"), Length(max=500)],
    )
    client_id = StringField(
        "Client ID",
        widget=GovTextInput(),
        description="The application (client) ID the provider gave this platform",
        filters=[strip],
        validators=[*entered("Enter the client ID"), Length(max=255)],
    )
    client_secret = PasswordField(
        "Client secret",
        widget=GovPasswordInput(),
        description="It is stored encrypted and never shown again.",
        validators=[Length(max=2000)],
    )
    domains = StringField(
        "Email domains",
        widget=GovTextArea(),
        description="The domains of the organisation's email addresses, one on each line, "
        "like council.gov.uk. A domain can belong to one organisation only.",
        filters=[strip],
        validators=[*entered("Enter at least one email domain"), Length(max=5000)],
    )
    allow_passwords = RadioField(
        "Can the organisation's staff still sign in with a password here?",
        widget=GovRadioInput(),
        choices=YES_NO,
        default="yes",
        description="If you choose no, only administrators can use a password; everyone "
        "else signs in with their organisation account.",
        validators=[InputRequired(message="Choose whether staff can still use a password")],
    )
    trust_unverified_claim = RadioField(
        "Trust the provider's email addresses for these domains when it does not say "
        "they are verified?",
        widget=GovRadioInput(),
        choices=YES_NO,
        default="no",
        description="Choose yes for Microsoft Entra ID, which does not send email_verified, "
        "when the organisation manages every address in these domains.",
        validators=[InputRequired(message="Choose whether to trust the provider's addresses")],
    )
    team_claim = StringField(
        "Claim that names the person's team (optional)",
        widget=GovTextInput(),
        description="If the provider sends it and it matches a team's name, people are not "
        "asked for their team",
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )
    job_role_claim = StringField(
        "Claim that names the person's job role (optional)",
        widget=GovTextInput(),
        description="Used when its value is one of the platform's job roles. Coordinator "
        "rights never come from the provider: grant them on the organisation's page.",
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )
    submit = SubmitField("Save connection", widget=GovSubmitInput())


class RemoveForm(Form):
    submit = SubmitField("Remove connection", widget=GovSubmitInput())


class OrganisationSignInForm(Form):
    """The email address alone, from the sign-in page's organisation account button."""

    email = email_field()


class FirstSignInForm(Form):
    job_role = job_role_field()
    team = team_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class LinkForm(Form):
    password = PasswordField(
        "Your password on this platform",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=512)],
    )
    submit = SubmitField("Link and sign in", widget=GovSubmitInput())
