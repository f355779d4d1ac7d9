"""Every feature's tables, imported in one place so that the metadata Alembic and
the tests see is complete whichever features a code path has loaded."""

from courseapp.accounts.models import User
from courseapp.assessment.models import Answer, Certificate, TestAttempt
from courseapp.audit.models import AuditEvent
from courseapp.cohorts.models import Cohort, EnrolmentImport
from courseapp.content.models import Enrolment, ModuleProgress
from courseapp.cpd.models import Reflection
from courseapp.evaluation.models import EvaluationAnswer, EvaluationRecord
from courseapp.jobs.models import Job, Notice
from courseapp.organisations.models import Organisation, Team
from courseapp.procedures.models import LocalProcedures
from courseapp.reports.models import AreaScore, Distribution, LearnerSummary, Summary
from courseapp.reports.versions import ReportVersion
from courseapp.rewording.models import Response, ReviewNote
from courseapp.sso.models import Connection, Domain, Identity

__all__ = [
    "Answer",
    "AreaScore",
    "AuditEvent",
    "Certificate",
    "Cohort",
    "Connection",
    "Distribution",
    "Domain",
    "Enrolment",
    "EnrolmentImport",
    "EvaluationAnswer",
    "EvaluationRecord",
    "Identity",
    "Job",
    "LearnerSummary",
    "LocalProcedures",
    "ModuleProgress",
    "Notice",
    "Organisation",
    "Reflection",
    "ReportVersion",
    "Response",
    "ReviewNote",
    "Summary",
    "Team",
    "TestAttempt",
    "User",
]
