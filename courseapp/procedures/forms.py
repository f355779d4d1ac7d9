from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from courseapp.forms import Form
from courseapp.procedures.services import SECTIONS

MAX_LENGTH = 4000
HINTS = {
    "safeguarding_lead": "Name, role and how to reach them, and who covers when they are away.",
    "out_of_hours": "The out-of-hours social work number and when to use it.",
    "local_services": "Local domestic abuse services for adults and children, with numbers.",
    "marac_referral": "Who can refer, the form or address to use, and who to talk to first.",
}


def _field(field: str, heading: str) -> TextAreaField:
    return TextAreaField(
        heading,
        widget=GovTextArea(),
        description=HINTS[field] + " You can use Markdown: **bold**, lists and links.",
        validators=[
            Length(max=MAX_LENGTH, message=f"{heading} must be {MAX_LENGTH} characters or fewer")
        ],
    )


class ProceduresForm(Form):
    safeguarding_lead = _field(*SECTIONS[0])
    out_of_hours = _field(*SECTIONS[1])
    local_services = _field(*SECTIONS[2])
    marac_referral = _field(*SECTIONS[3])
    preview = SubmitField("Preview", widget=GovSubmitInput())
    submit = SubmitField("Save and publish", widget=GovSubmitInput())

    def texts(self) -> dict[str, str]:
        return {field: getattr(self, field).data or "" for field, _ in SECTIONS}

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not any(text.strip() for text in self.texts().values()):
            self.safeguarding_lead.errors.append("Fill in at least one section")
            return False
        return True
