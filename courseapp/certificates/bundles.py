"""Certificates as one ZIP file of PDFs, for a coordinator to download: a cohort's, or
those of the learners a report's filters match. Building hundreds of PDFs takes
minutes, so a job builds the file and keeps it for download (courseapp.jobs.files);
the request only counts the certificates and queues the job."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment.certificates import certificate_pdf
from courseapp.assessment.models import Certificate
from courseapp.audit.services import record
from courseapp.catalogue import course
from courseapp.clock import utcnow
from courseapp.cohorts.models import Cohort
from courseapp.content.models import Enrolment
from courseapp.extensions import db
from courseapp.jobs import files, queue
from courseapp.jobs.models import Job

KIND = "certificates-zip"


def for_cohort(cohort: Cohort) -> list[int]:
    """The ids of the certificates on the cohort's pathway of the learners in it."""
    return list(
        db.session.scalars(
            sa.select(Certificate.id)
            .join(Enrolment, Enrolment.user_id == Certificate.user_id)
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.pathway_id == cohort.pathway_id,
                Certificate.pathway_id == cohort.pathway_id,
            )
            .order_by(Certificate.id)
        )
    )


def for_learners(user_ids: Iterable[int], pathway_id: str) -> list[int]:
    """The ids of these learners' certificates on one pathway."""
    ids = list(user_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Certificate.id)
            .where(Certificate.user_id.in_(ids), Certificate.pathway_id == pathway_id)
            .order_by(Certificate.id)
        )
    )


def holders(certificate_ids: list[int]) -> set[int]:
    """The ids of the learners these certificates belong to."""
    return set(
        db.session.scalars(
            sa.select(Certificate.user_id).where(Certificate.id.in_(certificate_ids))
        )
    )


def start(
    certificate_ids: list[int], actor: User, organisation_id: int | None, name: str, about: str
) -> Job:
    """Queue a job that builds the ZIP file: `name` is the file's name without .zip,
    `about` what the audit log records it was for ("cohort 12")."""
    job = queue.track(KIND, actor.id, organisation_id, total=len(certificate_ids))
    queue.enqueue("certificates_zip", job, certificate_ids=certificate_ids, filename=name)
    record(actor, "download-certificates", about)
    return job


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "learner"


def build(job: Job, certificate_ids: list[int], name: str) -> None:
    """Make each certificate's PDF, in order of the learners' names, into one ZIP file
    kept with the job. A certificate removed since (its learner erased) is left out."""
    certificates = list(
        db.session.scalars(
            sa.select(Certificate)
            .join(User, User.id == Certificate.user_id)
            .where(Certificate.id.in_(certificate_ids))
            .order_by(User.name, Certificate.id)
        )
    ) if certificate_ids else []  # fmt: skip
    queue.progress(job, 0, "Starting", total=len(certificates))
    pathways = course().pathways
    buffer = io.BytesIO()
    built = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, certificate in enumerate(certificates, start=1):
            pathway = pathways.get(certificate.pathway_id)
            if pathway is not None:
                learner = certificate.user
                pdf = certificate_pdf(certificate, pathway, learner)
                archive.writestr(f"{_safe(learner.name)}-{certificate.code}.pdf", pdf)
                built += 1
            queue.progress(job, number, f"Built {number} of {len(certificates)}")
    stamp = utcnow().strftime("%Y-%m-%d")
    files.keep(job, f"{name}-{stamp}.zip", "application/zip", buffer.getvalue())
    job.done = job.total
    job.message = f"Built {built} certificate{'' if built == 1 else 's'}"
