"""The public "Check a certificate" page: type a verification code, go to the page that
says whether it is genuine. Checking codes, here or at /certificates/<code>, is
throttled by address, so that nobody can try codes until one works."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, redirect, render_template, url_for

from courseapp.certificates.forms import CODE_LENGTH, CheckForm, compact
from courseapp.extensions import client_address, limiter

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def code_check_limit(methods: list[str] | None = None) -> Callable:
    """One allowance per address for every way of checking a code."""
    return limiter.shared_limit(
        lambda: current_app.config["CERTIFICATE_CHECK_LIMIT"],
        scope="certificate-check",
        key_func=client_address,
        methods=methods,
    )


@bp.route("/", methods=["GET", "POST"])
@code_check_limit(methods=["POST"])
def check():
    form = CheckForm()
    if form.validate_on_submit():
        code = compact(form.code.data)
        formatted = "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))
        return redirect(url_for("assessment.verify", code=formatted), 303)
    return render_template("certificates/check.html", form=form)
