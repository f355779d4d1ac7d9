"""The public "Check a certificate" page: type a verification code, go to the page that
says whether it is genuine. Checking codes, here or at /certificates/<code>, is
throttled by address, so that nobody can try codes until one works."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, redirect, render_template, url_for
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from courseapp.extensions import client_address, limiter
from courseapp.forms import Form, strip

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

CODE_LENGTH = 12  # letters and digits, printed in groups of four


def code_check_limit(methods: list[str] | None = None) -> Callable:
    """One allowance per address for every way of checking a code."""
    return limiter.shared_limit(
        lambda: current_app.config["CERTIFICATE_CHECK_LIMIT"],
        scope="certificate-check",
        key_func=client_address,
        methods=methods,
    )


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
            InputRequired(message="Enter the verification code"),
            Length(max=40, message="Enter the code as it is printed on the certificate"),
            _check_format,
        ],
    )
    submit = SubmitField("Check the certificate", widget=GovSubmitInput())


@bp.route("/", methods=["GET", "POST"])
@code_check_limit(methods=["POST"])
def check():
    form = CheckForm()
    if form.validate_on_submit():
        code = compact(form.code.data)
        formatted = "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))
        return redirect(url_for("assessment.verify", code=formatted), 303)
    return render_template("certificates/check.html", form=form)
