from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from courseapp.content.services import course
from courseapp.forms import Form, options


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class OptionalDateField(DateField):
    """A GOV.UK date input (day, month and year boxes) that may be left blank. A date
    that is only partly filled in, or is not a real date, is an error, not a blank."""

    widget = GovDateInput()

    def __init__(self, label: str, **kwargs):
        super().__init__(label, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        parts = [value.strip() for value in valuelist]
        if len(parts) != 3:  # not from our page: show empty boxes again
            self.raw_data = None
        if not any(parts):
            return
        what = self.label.text.removesuffix(" (optional)")
        if len(parts) != 3:
            raise ValueError(f"{what} must be a real date")
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            raise ValueError(f"{what} must include a {' and a '.join(missing)}")
        day, month, year = parts
        if not all(part.isdigit() for part in parts) or len(year) != 4:
            raise ValueError(f"{what} must be a real date, like 27 3 2026")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{what} must be a real date, like 27 3 2026") from None


class CohortForm(Form):
    name = StringField(
        "Cohort name",
        widget=GovTextInput(),
        description="For example, Primary schools briefing, spring term",
        filters=[_strip],
        validators=[InputRequired(message="Enter a name for the cohort"), Length(max=200)],
    )
    pathway = SelectField(
        "Pathway",
        widget=GovSelect(),
        choices=[],
        validators=[InputRequired(message="Choose a pathway")],
    )
    starts_on = OptionalDateField("Start date (optional)", description="For example, 27 3 2026")
    ends_on = OptionalDateField("End date (optional)", description="For example, 30 6 2026")
    submit = SubmitField("Create cohort", widget=GovSubmitInput())

    def validate_ends_on(self, field: OptionalDateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("End date must be the same as or after the start date")


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
