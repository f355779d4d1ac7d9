"""Certificates: the PDF, made by WeasyPrint from the same body as the web page, and
public verification by code."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template
from weasyprint import HTML

from courseapp.accounts.models import User
from courseapp.assessment.models import Certificate
from courseapp.content.course import Pathway
from courseapp.extensions import db


def find_certificate(code: str) -> Certificate | None:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    formatted = "-".join(normalised[i : i + 4] for i in range(0, len(normalised), 4))
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == formatted))


def certificate_pdf(certificate: Certificate, pathway: Pathway, learner: User) -> bytes:
    html = render_template(
        "assessment/certificate_pdf.html", certificate=certificate, pathway=pathway, learner=learner
    )
    return HTML(string=html, base_url=current_app.config["BASE_URL"]).write_pdf()
