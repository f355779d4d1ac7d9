"""Certificates: the PDF, made by WeasyPrint from the same body as the web page, and
public verification by code."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.document import Document

from courseapp.accounts.models import User
from courseapp.assessment.models import Certificate
from courseapp.content.course import Pathway
from courseapp.extensions import db
from courseapp.organisations.logos import logo_data_uri


def find_certificate(code: str) -> Certificate | None:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    formatted = "-".join(normalised[i : i + 4] for i in range(0, len(normalised), 4))
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == formatted))


def certificate_document(certificate: Certificate, pathway: Pathway, learner: User) -> Document:
    """The certificate laid out for print: one A4 landscape page."""
    html = render_template(
        "assessment/certificate_pdf.html",
        certificate=certificate,
        pathway=pathway,
        learner=learner,
        logo_uri=logo_data_uri(learner.organisation),
    )
    return HTML(string=html, base_url=current_app.config["BASE_URL"]).render()


def certificate_pdf(certificate: Certificate, pathway: Pathway, learner: User) -> bytes:
    return certificate_document(certificate, pathway, learner).write_pdf()
