from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField

from courseapp.forms import Form

UNANSWERED_ERROR = "Confirm that you want to submit with questions unanswered, or answer them"


class SubmitTestForm(Form):
    """Submitting a test. A post-test with unanswered questions needs the box ticked:
    the check is made on the server, so it holds without JavaScript."""

    confirm_unanswered = BooleanField(
        "I know some questions are unanswered and score nothing, and I want to submit now",
        widget=GovCheckboxInput(),
    )
