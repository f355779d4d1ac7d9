"""The daily sweep's follow-up tests: an invitation FOLLOW_UP_DAYS after a learner
passed a pathway's post-test, and one reminder FOLLOW_UP_REMINDER_DAYS later if they
have not taken it; then nothing.

The invitation (with the items drawn for the learner) is recorded whether or not they
want emails, so that their home page shows it; the emails are recorded as notices
(see sweep.claim), once per learner, kind and pathway. Each is sent from its day for
CATCH_UP_DAYS, so a missed day is caught up but a learner who passed long before the
feature began is not invited out of the blue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from courseapp.accounts.models import Role, User
from courseapp.assessment import follow_up
from courseapp.assessment.models import FollowUp, Phase, TestAttempt
from courseapp.catalogue import course
from courseapp.catalogue.course import Pathway
from courseapp.extensions import db
from courseapp.jobs.notices import claim
from courseapp.links import external_url
from courseapp.mail import compose, mail_configured, queue_email

INVITATION = "follow-up-invitation"
REMINDER = "follow-up-reminder"
CATCH_UP_DAYS = 14


@dataclass
class FollowUpsSent:
    invited: int = 0
    emailed: int = 0
    reminded: int = 0


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def due_invitations(on: date) -> list[tuple[User, str, datetime]]:
    """Learners whose first passed post-test on a pathway was FOLLOW_UP_DAYS or more
    (and fewer than that plus CATCH_UP_DAYS) days before `on`, not yet invited to it."""
    days = int(current_app.config["FOLLOW_UP_DAYS"])
    passed_at = sa.func.min(TestAttempt.submitted_at)
    invited = sa.select(FollowUp.id).where(
        FollowUp.user_id == TestAttempt.user_id, FollowUp.pathway_id == TestAttempt.pathway_id
    )
    query = (
        sa.select(User, TestAttempt.pathway_id, passed_at)
        .join(TestAttempt, TestAttempt.user_id == User.id)
        .where(
            User.active.is_(True),
            User.role == Role.LEARNER,
            TestAttempt.phase == Phase.POST,
            TestAttempt.passed.is_(True),
            ~sa.exists(invited),
        )
        .group_by(User.id, TestAttempt.pathway_id)
        .having(
            passed_at < _start_of(on - timedelta(days=days - 1)),
            passed_at >= _start_of(on - timedelta(days=days + CATCH_UP_DAYS - 1)),
        )
        .order_by(User.id, TestAttempt.pathway_id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def due_reminders(on: date) -> list[tuple[User, str]]:
    """Invited learners who have not submitted the follow-up test, FOLLOW_UP_REMINDER_DAYS
    (up to CATCH_UP_DAYS more) after the invitation, who want reminder emails."""
    days = int(current_app.config["FOLLOW_UP_REMINDER_DAYS"])
    taken = sa.select(TestAttempt.id).where(
        TestAttempt.user_id == FollowUp.user_id,
        TestAttempt.pathway_id == FollowUp.pathway_id,
        TestAttempt.phase == Phase.FOLLOW_UP,
        TestAttempt.submitted_at.is_not(None),
    )
    query = (
        sa.select(User, FollowUp.pathway_id)
        .join(FollowUp, FollowUp.user_id == User.id)
        .where(
            User.active.is_(True),
            User.reminders_off_at.is_(None),
            FollowUp.invited_on <= on - timedelta(days=days),
            FollowUp.invited_on > on - timedelta(days=days + CATCH_UP_DAYS),
            ~sa.exists(taken),
        )
        .order_by(User.id, FollowUp.pathway_id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def _link(pathway: Pathway) -> str:
    return external_url("assessment.start", pathway_id=pathway.id, phase=Phase.FOLLOW_UP.value)


def invitation_email(user: User, pathway: Pathway, passed_on: date, questions: int) -> dict:
    body = (
        f"Hello {user.name},\n\n"
        f"You passed the post-test for {pathway.title} on {passed_on:%-d %B %Y}. We would "
        f"like to invite you to a short follow-up test: {questions} questions on the same "
        "areas of the model, to show you what has stayed with you since the course.\n\n"
        "There is no pass mark and it does not change your certificate. It takes about "
        "10 minutes, and you can stop and come back to it.\n\n"
        f"Take the follow-up test: {_link(pathway)}\n"
    )
    return compose(user.email, f"A short follow-up test for {pathway.title}", body,
                   reminder_for=user.id)  # fmt: skip


def reminder_email(user: User, pathway: Pathway) -> dict:
    body = (
        f"Hello {user.name},\n\n"
        f"A couple of weeks ago we invited you to a short follow-up test for {pathway.title}. "
        "It is still open if you would like to take it. There is no pass mark and it does "
        "not change your certificate.\n\n"
        f"Take the follow-up test: {_link(pathway)}\n\n"
        "This is the only reminder we will send about it.\n"
    )
    return compose(user.email, f"Reminder: your follow-up test for {pathway.title}", body,
                   reminder_for=user.id)  # fmt: skip


def send_follow_ups(on: date) -> FollowUpsSent:
    sent = FollowUpsSent()
    pathways = course().pathways
    mail_on = mail_configured()  # without a mail server the home page's notice is all
    for user, pathway_id, passed_at in due_invitations(on):
        pathway = pathways.get(pathway_id)
        if pathway is None or not follow_up.invite(user.id, pathway, on):
            continue
        sent.invited += 1
        if mail_on and user.reminders_off_at is None and claim(user.id, INVITATION, pathway_id):
            questions = len(follow_up.find(user, pathway).item_ids)
            queue_email(invitation_email(user, pathway, passed_at.date(), questions))
            sent.emailed += 1
    for user, pathway_id in due_reminders(on) if mail_on else ():
        pathway = pathways.get(pathway_id)
        if pathway is not None and claim(user.id, REMINDER, pathway_id):
            queue_email(reminder_email(user, pathway))
            sent.reminded += 1
    return sent
