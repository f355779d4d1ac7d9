from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from courseapp.accounts.forms import email_checks, email_field, name_field
from courseapp.accounts.models import JobRole, User
from courseapp.forms import Form, choices, strip

NO_TEAM = "none"
NO_JOB_ROLE = "none"


class SearchInput(GovTextInput):
    input_type = "search"


class PeopleSearchForm(Form):
    """A GET form over a list of people: no CSRF."""

    class Meta:
        csrf = False

    q = StringField(
        "Search by name or email address",
        widget=SearchInput(),
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Search for 200 characters or fewer")],
    )
    submit = SubmitField("Search", widget=GovSubmitInput())


class PersonForm(Form):
    name = name_field("Enter their full name")
    email = email_field("Enter their email address")
    team = SelectField("Team", widget=GovSelect(), choices=[])
    job_role = SelectField(
        "Job role",
        widget=GovSelect(),
        choices=choices(
            [(NO_JOB_ROLE, "Not given"), *((role.name, role.value) for role in JobRole)]
        ),
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


def person_form(person: User) -> PersonForm:
    form = PersonForm(
        data={
            "name": person.name,
            "email": person.email,
            "team": str(person.team_id) if person.team_id else NO_TEAM,
            "job_role": person.job_role.name if person.job_role else NO_JOB_ROLE,
        }
    )
    teams = person.organisation.teams if person.organisation else []
    form.team.choices = choices([(NO_TEAM, "No team"), *((team.id, team.name) for team in teams)])
    return form


class ConfirmEmailForm(Form):
    """Carries the new address from the edit page to the confirmation without mail."""

    email = HiddenField(filters=[strip], validators=email_checks())
    submit = SubmitField("Change the email address", widget=GovSubmitInput())
