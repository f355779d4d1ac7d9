"""Background jobs a page can follow, and the notices the daily sweep has sent."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courseapp.clock import utcnow
from courseapp.extensions import db
from courseapp.organisations.models import Organisation


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class Job(db.Model):
    """One piece of background work someone started, with its progress, for the page
    that shows it. Scoped to an organisation like everything a coordinator sees."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    state: Mapped[JobState] = mapped_column(
        sa.Enum(JobState, native_enum=False, length=20), default=JobState.QUEUED
    )
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # What the job works on ("import 12"), so that a second request finds it.
    subject: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    # Where to go once it has finished, and the words of that link.
    next_url: Mapped[str | None] = mapped_column(sa.String(300))
    next_label: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()
    file: Mapped[JobFile | None] = relationship(
        back_populates="job", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def finished(self) -> bool:
        return self.state in (JobState.FINISHED, JobState.FAILED)


class JobFile(db.Model):
    """A file a job made for download (a ZIP of certificates), kept in the database so
    that every replica and worker can reach it, until it expires."""

    __tablename__ = "job_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    job: Mapped[Job] = relationship(back_populates="file")


class Notice(db.Model):
    """An email a job has sent (the sweep's, an import's set-password links), once per
    person, kind and period: the row is written in the job's transaction and the email
    handed to its delivery job when that commits, so a second run (or a second worker
    at the same time) finds it and sends nothing."""

    __tablename__ = "notices"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    period: Mapped[str] = mapped_column(sa.String(80))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
