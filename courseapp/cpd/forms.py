from __future__ import annotations

from flask import abort, request
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from courseapp.forms import TAMPERED_MESSAGE, Form, strip

MAX_ANSWER = 1000
MAX_PEER = 500
NOTHING_WRITTEN = (
    "Write at least one answer before you save. A reflection is optional: "
    "if you do not want to write one now, you can go back to the course"
)


def _limit(what: str, most: int) -> Length:
    return Length(max=most, message=f"{what} must be {most:,} characters or fewer")


class ReflectionForm(Form):
    learnt = TextAreaField(
        "What did you learn?",
        widget=GovCharacterCount(),
        description="In your own words: an idea, a way of working or something that surprised you.",
        filters=[strip],
        validators=[_limit("What you learnt", MAX_ANSWER)],
    )
    practice = TextAreaField(
        "How will you use it in your practice?",
        widget=GovCharacterCount(),
        description="For example, what you will do differently with a family or in your notes.",
        filters=[strip],
        validators=[_limit("How you will use it", MAX_ANSWER)],
    )
    peer = TextAreaField(
        "Who did you discuss it with, and what came out of it? (optional)",
        widget=GovCharacterCount(),
        description=(
            "A colleague, supervisor or manager. You can give their role rather than their "
            "name. This is the peer reflection part of a CPD entry."
        ),
        filters=[strip],
        validators=[_limit("Who you discussed it with", MAX_PEER)],
    )
    shared = BooleanField(
        "Share this reflection with my training coordinator",
        widget=GovCheckboxInput(),
        description="If you tick this, your training coordinator can read it on your learner "
        "record. You can stop sharing it at any time by changing it and taking the tick away.",
    )
    submit = SubmitField("Save reflection", widget=GovSubmitInput())

    def validate_learnt(self, field: TextAreaField) -> None:
        if not (field.data or self.practice.data or self.peer.data):
            raise ValidationError(NOTHING_WRITTEN)

    def validate_on_submit(self, extra_validators=None) -> bool:
        """Anything the page did not offer (another field, a tick box with another
        value) means the form was tampered with: 400, and nothing is saved."""
        if self.is_submitted():
            offered = {name for name in self._fields if name != "submit"}
            if set(request.form) - offered - {"submit"}:
                abort(400, TAMPERED_MESSAGE)
            if any(value != "y" for value in request.form.getlist("shared")):
                abort(400, TAMPERED_MESSAGE)
            if any(len(request.form.getlist(name)) > 1 for name in offered):
                abort(400, TAMPERED_MESSAGE)
        return super().validate_on_submit(extra_validators)
