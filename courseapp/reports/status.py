"""Where a learner is on a pathway, as the reports count them: one rule, used when a
learner's share of the summaries is written (summaries.py) and for the learners list."""

from __future__ import annotations

from dataclasses import dataclass

from courseapp.assessment import grants
from courseapp.catalogue.course import Pathway
from courseapp.content.completion import PathwayCompletion
from courseapp.reports import data as report_data
from courseapp.reports.data import Filters, Learner, ReportData

STATUSES = ("not started", "in progress", "attempts used up", "completed")


@dataclass(frozen=True)
class Progress:
    """The counts of a learner's rows that their status follows from (data.Learner has
    the same fields)."""

    modules_started: int
    modules_completed: int
    rewordings: int  # the pathway's rewording exercises done (Response.counts_as_done)
    post_test_passed: bool
    post_attempts: int
    extra_attempts: int  # post-test attempts a coordinator granted
    pre: object | None  # the pre-test attempt the reports use, if any
    certified: bool = False  # a certificate on the pathway that is not being renewed


def completion_of(learner: Learner | Progress, pathway: Pathway) -> PathwayCompletion:
    """The learner's completion under the one rule (content.completion), from the
    counts of their rows."""
    return PathwayCompletion(
        pathway, learner.modules_completed, learner.rewordings, learner.post_test_passed,
        learner.certified,
    )  # fmt: skip


def load(filters: Filters, pathway: Pathway) -> ReportData:
    """The learners the filters select (reports.data.load), only those with the status
    the filters ask for if they ask for one."""
    data = report_data.load(filters)
    if filters.status is not None:
        data.learners = {
            user_id: learner
            for user_id, learner in data.learners.items()
            if status(learner, pathway) == filters.status
        }
    return data


def status(learner: Learner | Progress, pathway: Pathway) -> str:
    """One of STATUSES. "Attempts used up": every post-test attempt allowed (with any a
    coordinator granted) taken without passing; a coordinator can grant another."""
    if completion_of(learner, pathway).complete:
        return "completed"
    allowed = grants.base_attempts() + learner.extra_attempts
    tested = bool(pathway.definition.test_forms) and not learner.post_test_passed
    if tested and learner.post_attempts >= allowed:
        return "attempts used up"
    if learner.modules_started or learner.pre is not None:
        return "in progress"
    return "not started"
