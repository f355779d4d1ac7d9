"""A learner with one of everything the platform keeps about a learner, written
through the app's own services, for the data download and erasure tests."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.accounts.services import set_password_from_link
from courseapp.assessment import attempts
from courseapp.assessment.models import Certificate, Phase, TestAttempt
from courseapp.audit.services import record
from courseapp.catalogue import course
from courseapp.cohorts import imports
from courseapp.cohorts.models import EnrolmentImport
from courseapp.cohorts.services import create_cohort
from courseapp.content.services import record_completion, record_visit
from courseapp.cpd.models import Activity
from courseapp.cpd.services import save_reflection
from courseapp.demo.answers import item_answer
from courseapp.extensions import db
from courseapp.organisations.models import Organisation
from courseapp.rewording import reviewing
from courseapp.rewording import services as rewording
from courseapp.rewording.models import ReviewMark, SelfRating
from tests.conftest import PASSWORD

NAME = "Morwenna Quillfeather"
EMAIL = "morwenna.quillfeather@example.org"
AS_TYPED = "Morwenna.Quillfeather@Example.org"  # how the coordinator's CSV file spelt it
COLLEAGUE = "Tobias Underhay"
COLLEAGUE_EMAIL = "tobias.underhay@example.org"
COMMENT = "A good start: try naming what the father did, not what the mother failed to do."
FIRST_DRAFT = "Dad has been controlling at home and we are worried about the effect on Ella."
SECOND_DRAFT = (
    "Liam's pattern of coercive control has harmed the children; Sara has worked hard "
    "to keep them safe and we will work with her."
)
REFLECTION = "Seeing the pattern of control, not single incidents, changed how I write."


@dataclass
class Record:
    learner: User
    colleague: User
    upload: EnrolmentImport
    refused_upload: EnrolmentImport
    post_attempt: TestAttempt
    certificate: Certificate


def take_test(user: User, phase: Phase) -> TestAttempt:
    pathway = course().pathways["core"]
    attempt = attempts.start_or_resume(user, pathway, phase)
    test = attempts.test_of(attempt)
    rng = random.Random(1)
    answers = {item.id: item_answer(item, 1.0, rng) for item in test.items}
    answers |= {rating.id: 4 for rating in test.ratings}
    attempts.save_answers(attempt, answers)
    attempts.submit(attempt, pathway.definition.pass_mark)
    return attempt


def _upload(cohort, actor: User, rows: str) -> EnrolmentImport:
    csv = f"name,email,job_role\n{rows}"
    return imports.start_import(cohort, actor, "learners.csv", io.BytesIO(csv.encode()))


def full_record(org: Organisation, coordinator: User, elsewhere: tuple) -> Record:
    """The learner and a colleague are imported from a CSV file into a cohort; the
    learner then studies, takes both tests, writes and rates two rewordings that a
    coordinator comments on, earns a certificate, shares a reflection on a module for
    their CPD record and has their record viewed. A
    coordinator in another organisation (`elsewhere`: organisation and coordinator)
    tried to import the learner too, which left a refused row naming them."""
    cohort = create_cohort(org, "Spring cohort", "core")
    upload = _upload(cohort, coordinator, f"{NAME},{AS_TYPED},Social worker\n"
                     f"{COLLEAGUE},{COLLEAGUE_EMAIL},Social worker\n")  # fmt: skip
    imports.confirm(upload, coordinator)
    learner = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    colleague = db.session.scalar(sa.select(User).where(User.email == COLLEAGUE_EMAIL))
    for person in (learner, colleague):  # as if they had used their set-password links
        set_password_from_link(person, PASSWORD)
    other_org, other_coordinator = elsewhere
    other_cohort = create_cohort(other_org, "Autumn cohort", "core")
    refused = _upload(other_cohort, other_coordinator, f"{NAME},{EMAIL},Social worker\n")
    pathway = course().pathways["core"]
    for module in pathway.modules:
        record_completion(learner, module)
    record_visit(learner, pathway.modules[0], pathway.modules[0].parts[0].slug)
    take_test(learner, Phase.PRE)
    post = take_test(learner, Phase.POST)
    take_test(colleague, Phase.PRE)
    certificate = Certificate(
        user_id=learner.id, pathway_id="core", attempt_id=post.id, minutes=240
    )
    db.session.add(certificate)
    exercise = next(e for e in rewording.exercises().values() if "core" in e.pathways)
    first = rewording.submit(learner, exercise, FIRST_DRAFT)
    second = rewording.submit(learner, exercise, SECOND_DRAFT)
    rewording.rate(second, SelfRating.PARTLY)
    reviewing.add_note(first, coordinator, ReviewMark.DISCUSS, COMMENT)
    save_reflection(learner, Activity.MODULE, pathway.modules[0].id, learnt=REFLECTION,
                    practice="", peer=f"Discussed with {COLLEAGUE}.", shared=True)  # fmt: skip
    record(coordinator, "view-learner", f"user {learner.id}")
    db.session.commit()
    return Record(learner, colleague, upload, refused, post, certificate)
