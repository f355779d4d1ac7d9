from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from courseapp.forms import Form, strip

UNANSWERED_ERROR = "Confirm that you want to submit with questions unanswered, or answer them"


class SubmitTestForm(Form):
    """Submitting a test. A post-test with unanswered questions needs the box ticked:
    the check is made on the server, so it holds without JavaScript."""

    confirm_unanswered = BooleanField(
        "I know some questions are unanswered and score nothing, and I want to submit now",
        widget=GovCheckboxInput(),
    )


class GrantAttemptForm(Form):
    """A coordinator gives a learner who has used their post-test attempts one more."""

    reason = TextAreaField(
        "Why are you giving another attempt?",
        widget=GovCharacterCount(),
        description="For example, what you agreed with the learner. Kept with their record.",
        filters=[strip],
        validators=[
            DataRequired(message="Enter the reason for the extra attempt"),
            Length(max=500, message="The reason must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Give another attempt", widget=GovSubmitInput())
