from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from courseapp.catalogue import course
from courseapp.forms import Form, OptionalDateField, entered, options, strip


class CohortDetailsForm(Form):
    name = StringField(
        "Cohort name",
        widget=GovTextInput(),
        description="For example, Primary schools briefing, spring term",
        filters=[strip],
        validators=[*entered("Enter a name for the cohort"), Length(max=200)],
    )
    starts_on = OptionalDateField("Start date (optional)", description="For example, 27 3 2026")
    ends_on = OptionalDateField("End date (optional)", description="For example, 30 6 2026")
    due_on = OptionalDateField(
        "Due date (optional)",
        description="When learners should have finished. After it, anyone who has not "
        "finished is shown as overdue. If you leave it blank, the end date is used.",
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def validate_ends_on(self, field: OptionalDateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("End date must be the same as or after the start date")

    def validate_due_on(self, field: OptionalDateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("Due date must be the same as or after the start date")


class CohortForm(CohortDetailsForm):
    pathway = SelectField(
        "Pathway",
        widget=GovSelect(),
        choices=[],
        validators=[InputRequired(message="Choose a pathway")],
    )
    submit = SubmitField("Create cohort", widget=GovSubmitInput())


def cohort_form() -> CohortForm:
    form = CohortForm()
    pathways = ((pathway.id, pathway.title) for pathway in course().pathways.values())
    form.pathway.choices = options("Choose a pathway", pathways)
    return form


class UploadForm(Form):
    csv_file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a CSV file")],
    )
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class MoveForm(Form):
    cohort = SelectField(
        "Move to cohort", widget=GovSelect(), choices=[],
        validators=[InputRequired(message="Choose a cohort")],
    )  # fmt: skip
    submit = SubmitField("Move", widget=GovSubmitInput())
