from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from courseapp.forms import Form, OptionalDateField, choices, options
from courseapp.rewording.models import ReviewMark, SelfRating

MAX_LENGTH = 1200


class RewordingForm(Form):
    text = TextAreaField(
        "Your rewording",
        widget=GovCharacterCount(),
        description="Write what you would say to the parent, or record in the case note, instead.",
        validators=[
            DataRequired(message="Write your rewording"),  # spaces alone are not one
            Length(
                max=MAX_LENGTH, message=f"Your rewording must be {MAX_LENGTH} characters or fewer"
            ),
        ],
    )
    fictional = BooleanField(
        "These details are made up, not a real family's", widget=GovCheckboxInput()
    )
    submit = SubmitField("Get feedback", widget=GovSubmitInput())


class SelfRatingForm(Form):
    rating = RadioField(
        "How does your latest version compare with the model answers?",
        widget=GovRadioInput(),
        choices=choices(
            [
                (SelfRating.AS_GOOD.value, "As good as the model answers"),
                (SelfRating.PARTLY.value, "Partly there"),
                (SelfRating.NOT_YET.value, "Not there yet"),
            ]
        ),
        validators=[InputRequired(message="Choose how your version compares")],
    )
    submit = SubmitField("Save my rating", widget=GovSubmitInput())


class ReviewForm(Form):
    verdict = RadioField(
        "Your verdict",
        widget=GovRadioInput(),
        description="Your verdict replaces the coach's. The learner sees it.",
        choices=choices(
            [
                ("keep", "Leave the verdict as it is"),
                ("constructive", "Constructive"),
                ("needs_work", "Needs work"),
            ]
        ),
        default="keep",
        validators=[Optional()],  # not sent: the verdict is left as it is
    )
    mark = RadioField(
        "Mark this response",
        widget=GovRadioInput(),
        choices=choices(
            [
                (ReviewMark.EXEMPLARY.value, "Exemplary: a model for others"),
                (ReviewMark.DISCUSS.value, "Needs discussion"),
                ("none", "No mark, comment only"),
            ]
        ),
        default="none",
        validators=[InputRequired(message="Choose a mark, or no mark")],
    )
    comment = TextAreaField(
        "Comment for the learner",
        widget=GovTextArea(),
        description="The learner sees this on their exercise page.",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class QueueFilterForm(Form):
    """Filters for the review queue, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    reviewed = SelectField(
        "Reviewed",
        widget=GovSelect(),
        choices=options(
            "Reviewed or not", [("not-reviewed", "Not yet reviewed"), ("reviewed", "Reviewed")]
        ),
        validators=[Optional()],
    )
    verdict = SelectField(
        "Verdict",
        widget=GovSelect(),
        description="A coordinator's verdict where one is set, otherwise the coach's.",
        choices=options(
            "Any verdict",
            [
                ("uncertain", "Waiting for a coordinator"),
                ("constructive", "Constructive"),
                ("needs_work", "Needs work"),
            ],
        ),
        validators=[Optional()],
    )
    exercise = SelectField("Exercise", widget=GovSelect(), choices=[], validators=[Optional()])
    team = SelectField("Team", widget=GovSelect(), choices=[], validators=[Optional()])
    since = OptionalDateField("Sent on or after")
    until = OptionalDateField("Sent on or before")
    submit = SubmitField("Filter", widget=GovSubmitInput())
