"""The "Check a certificate" form: a verification code typed as it is printed."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, ValidationError

from courseapp.forms import Form, entered, strip

CODE_LENGTH = 12  # letters and digits, printed in groups of four


def compact(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _check_format(_form: Form, field: StringField) -> None:
    if len(compact(field.data or "")) != CODE_LENGTH:
        raise ValidationError(
            "Enter the code as it is printed on the certificate, like ABCD-EFGH-JKLM"
        )


class CheckForm(Form):
    code = StringField(
        "Verification code",
        widget=GovTextInput(),
        description="It is printed at the bottom of the certificate, like ABCD-EFGH-JKLM.",
        filters=[strip],
        validators=[
            *entered("Enter the verification code"),
            Length(max=40, message="Enter the code as it is printed on the certificate"),
            _check_format,
        ],
    )
    submit = SubmitField("Check the certificate", widget=GovSubmitInput())
