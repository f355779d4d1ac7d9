from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from courseapp.forms import Form
from courseapp.rewording.forms import GovDateField


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
    enrolled_from = GovDateField("Enrolled on or after", format="%d %m %Y", widget=GovDateInput(),
                                 validators=[Optional()])  # fmt: skip
    enrolled_to = GovDateField("Enrolled on or before", format="%d %m %Y", widget=GovDateInput(),
                               validators=[Optional()])  # fmt: skip
    submit = SubmitField("Apply filters", widget=GovSubmitInput())
