from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from courseapp.accounts.forms import email_field, name_field
from courseapp.clock import DEFAULT_ZONE, is_zone
from courseapp.forms import Form, entered, options, strip
from courseapp.organisations.domains import DomainError, parse_domains
from courseapp.organisations.models import Sector


class OrganisationForm(Form):
    name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        description="For example, a council, a school cluster or a voluntary organisation",
        filters=[strip],
        validators=[*entered("Enter the organisation's name"), Length(max=200)],
    )
    sector = SelectField(
        "Sector",
        widget=GovSelect(),
        choices=options("Choose a sector", ((sector.name, sector.value) for sector in Sector)),
        validators=[InputRequired(message="Choose a sector")],
    )
    timezone = StringField(
        "Time zone",
        widget=GovTextInput(),
        default=DEFAULT_ZONE,
        description="Where its people work, as a zone name such as Europe/London. "
        "Dates are shown, and date filters read, in this zone.",
    )
    submit = SubmitField("Create organisation", widget=GovSubmitInput())

    def validate_timezone(self, field: StringField) -> None:
        field.data = (field.data or "").strip() or DEFAULT_ZONE
        if not is_zone(field.data):
            raise ValidationError("Enter a time zone name, such as Europe/London or Europe/Dublin")


class TeamForm(Form):
    team_name = StringField(
        "Team name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[*entered("Enter a team name"), Length(max=200)],
    )
    submit = SubmitField("Add team", widget=GovSubmitInput())


class CoordinatorForm(Form):
    name = name_field("Enter the coordinator's full name")
    email = email_field("Enter the coordinator's email address")
    submit = SubmitField("Add coordinator", widget=GovSubmitInput())


class LogoForm(Form):
    logo = FileField(
        "Upload a logo",
        widget=GovFileInput(),
        description="A PNG or JPEG image, smaller than 200 KB and no more than 2,000 pixels "
        "wide or high. A logo about 600 pixels wide prints well.",
        validators=[FileRequired(message="Select a PNG or JPEG image")],
    )
    submit = SubmitField("Upload logo", widget=GovSubmitInput())


class JoinDomainsForm(Form):
    domains = StringField(
        "Email domains (optional)",
        widget=GovTextArea(),
        description="One on each line, like council.gov.uk. Addresses in a domain's "
        "subdomains can join too. Leave it empty to let anyone with a join code join.",
        filters=[strip],
        validators=[Length(max=5000, message="Enter 5,000 characters or fewer")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_domains(self, field: StringField) -> None:
        try:
            self.domain_names = parse_domains(field.data or "")
        except DomainError as error:
            raise ValidationError(str(error)) from None
