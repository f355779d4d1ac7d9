"""The CPD record as files to keep: a PDF (WeasyPrint, A4 portrait, as many pages as
the record needs) and a CSV (the reports' CSV writer, safe against formulas)."""

from __future__ import annotations

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.document import Document

from courseapp.clock import local
from courseapp.cpd.services import CpdRecord
from courseapp.reports.statistics import csv_bytes

CSV_HEADER = (
    "activity", "type", "course", "date completed", "time (minutes)", "time (hours)",
    "what I learnt", "how it affects my practice", "peer reflection",
    "shared with my coordinator", "tests and certificate",
)  # fmt: skip


def record_document(record: CpdRecord) -> Document:
    html = render_template("cpd/record_pdf.html", record=record)
    return HTML(string=html, base_url=current_app.config["BASE_URL"]).render()


def record_pdf(record: CpdRecord) -> bytes:
    return record_document(record).write_pdf()


def record_csv(record: CpdRecord) -> bytes:
    zone = record.learner.organisation.timezone if record.learner.organisation else None
    rows = []
    for entry in record.entries:
        reflection = entry.reflection
        day = local(entry.completed_at, zone).date().isoformat() if entry.completed_at else None
        rows.append([
            entry.title, entry.kind, entry.pathway.title, day, entry.minutes, entry.hours,
            reflection.learnt if reflection else None,
            reflection.practice if reflection else None,
            reflection.peer if reflection else None,
            ("yes" if reflection.shared else "no") if reflection else None,
            "; ".join(entry.details) or None,
        ])  # fmt: skip
    return csv_bytes(CSV_HEADER, rows)
