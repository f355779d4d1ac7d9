from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from courseapp.forms import Form, OptionalDateField, strip


class ReportFilterForm(Form):
    """The dashboard's filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    pathway = SelectField("Pathway", widget=GovSelect(), choices=[], validators=[Optional()])
    organisation = SelectField(
        "Organisation", widget=GovSelect(), choices=[], validators=[Optional()]
    )
    team = SelectField("Team", widget=GovSelect(), choices=[], validators=[Optional()])
    job_role = SelectField("Job role", widget=GovSelect(), choices=[], validators=[Optional()])
    cohort = SelectField("Cohort", widget=GovSelect(), choices=[], validators=[Optional()])
    enrolled_from = OptionalDateField("Enrolled on or after")
    enrolled_to = OptionalDateField("Enrolled on or before")
    search = StringField(
        "Learner name or email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Search for 200 characters or fewer")],
    )
    include_deactivated = BooleanField(
        "Include deactivated accounts", widget=GovCheckboxInput(), validators=[Optional()]
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())


class LearnerFilterForm(ReportFilterForm):
    """The learners list's filters: the report's, and the learner's status."""

    status = SelectField("Status", widget=GovSelect(), choices=[], validators=[Optional()])
