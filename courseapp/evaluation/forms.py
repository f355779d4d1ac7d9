"""The evaluation a learner may give at the end of a pathway, and the report's filters."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from courseapp.forms import Form, choices, strip

MAX_TEXT = 1000

USEFUL = choices(
    [
        (5, "Very useful"),
        (4, "Useful"),
        (3, "Somewhat useful"),
        (2, "Not very useful"),
        (1, "Not useful at all"),
    ]
)
RELEVANT = choices(
    [
        (5, "Very relevant"),
        (4, "Relevant"),
        (3, "Somewhat relevant"),
        (2, "Not very relevant"),
        (1, "Not relevant at all"),
    ]
)


def _text(label: str, hint: str, name: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovCharacterCount(),
        description=hint,
        filters=[strip],
        validators=[
            Optional(),
            Length(max=MAX_TEXT, message=f"{name} must be {MAX_TEXT:,} characters or fewer"),
        ],
    )


class EvaluationForm(Form):
    useful = RadioField(
        "How useful was the course?",
        widget=GovRadioInput(),
        choices=USEFUL,
        coerce=int,
        validators=[InputRequired(message="Select how useful the course was")],
    )
    relevant = RadioField(
        "How relevant was it to your role?",
        widget=GovRadioInput(),
        choices=RELEVANT,
        coerce=int,
        validators=[InputRequired(message="Select how relevant the course was to your role")],
    )
    do_differently = _text(
        "What will you do differently in your work? (optional)",
        "For example, how you will write case notes or speak with a parent.",
        "What you will do differently",
    )
    improve = _text(
        "Is there anything we could improve? (optional)",
        "Anything that was unclear, missing or hard to use.",
        "What we could improve",
    )
    submit = SubmitField("Send my feedback", widget=GovSubmitInput())


class DismissForm(Form):
    submit = SubmitField("No thanks, do not ask me again", widget=GovSubmitInput())


class EvaluationFilterForm(Form):
    """The evaluation report's filters, read from the query string (a GET form: no CSRF).
    A team or a cohort, not both: see report.py for why."""

    class Meta:
        csrf = False

    pathway = SelectField("Pathway", widget=GovSelect(), choices=[], validators=[Optional()])
    organisation = SelectField(
        "Organisation", widget=GovSelect(), choices=[], validators=[Optional()]
    )
    team = SelectField("Team", widget=GovSelect(), choices=[], validators=[Optional()])
    cohort = SelectField("Cohort", widget=GovSelect(), choices=[], validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate_cohort(self, field: SelectField) -> None:
        if field.data and self.team.data:
            raise ValidationError(
                "Choose a team or a cohort, not both: answers from the people in both "
                "could be picked out"
            )
