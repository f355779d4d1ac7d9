"""The organisation the coordinator journey works in: its teams, its coordinator, the
learners already there and how far each has got, the CSV file that enrols three more,
and the other organisations in the same database that must never show.

The learners got where they are through the app's own services (staff.add_learner),
answering a known number of test questions right, so every figure on the reports can
be worked out here rather than copied from the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from courseapp.accounts.models import JobRole, Role
from courseapp.catalogue import course
from courseapp.demo.fictional import ORGANISATIONS as DEMO_ORGANISATIONS
from courseapp.demo.rewordings import own_version
from courseapp.demo.services import seed as seed_demo
from courseapp.extensions import db
from courseapp.organisations.models import Sector
from courseapp.organisations.services import add_team, create_organisation
from courseapp.rewording.models import Response, SelfRating
from courseapp.rewording.services import feedback
from tests.browser.conftest import LiveServer
from tests.browser.staff import Progress, add_learner, add_staff

ORGANISATION = "Eastbrook City Council"
TEAM_A = "Duty and assessment"
TEAM_B = "Family support"
COORDINATOR_EMAIL = "tomasz.nowak@eastbrook.example.org"
COORDINATOR_PASSWORD = "granite meadow kestrel sofa"
LEARNER_PASSWORD = "pebble orchard violin tundra"
OTHER_ORGANISATION = "Fernhill Health Board"
OTHER_NAME = "Declan Frost"  # the best post-test score of all: listed first if he leaked in
OTHER_TEXT = "Tell me what happened when he came round, and how the children are today."

COHORT = "Duty teams, winter term"
PATHWAY_TITLE = "Safe & Together core e-learning"
EXERCISE_ID = "let-him-in"
BLAMING = "Why did you let him in when you know what he is like?"
CONSTRUCTIVE = (
    "What happened when he came to the flat last night, and how are you and the children now?"
)
ULTIMATUM = "You need to end the relationship if you want to keep the children."
COMMENT = "Great open question <b>well done</b>"
# Someone registered with a name a spreadsheet would run as a formula.
FORMULA_NAME = '=HYPERLINK("https://example.org","Jo Marsh")'
ALL = None  # every module of the pathway (Progress.modules)
# Core exercises none of the others use: the ones Amira sends.
AMIRA_EXERCISES = ("too-many-police-reports", "her-drinking", "case-conference-plan")

# Already enrolled on the core pathway: name, team, progress (test scores are the number
# of questions answered right).
EXISTING = [
    # Amira fails her first post-test (the other form), passes the retake (her pre-test's
    # form), and has sent the rewordings the certificate needs, each a model answer.
    ("Amira Hassan", TEAM_A, Progress(pre=12, modules=ALL, posts=(20, 30), certified_days=10,
                                      rewordings=tuple((e, (), None) for e in AMIRA_EXERCISES))),
    ("Bilal Chowdhury", TEAM_B, Progress(pre=18, modules=ALL, posts=(22,), rewordings=(
        ("why-not-ended-relationship", (ULTIMATUM,), None),))),
    ("Carys Evans", TEAM_B, Progress(pre=20, modules=9, visited_next=True, rewordings=(
        (EXERCISE_ID, (BLAMING, CONSTRUCTIVE), SelfRating.AS_GOOD),))),
    ("Dominic Reid", TEAM_A, Progress(pre=12, modules=1)),
    (FORMULA_NAME, None, Progress()),
]  # fmt: skip
PROGRESS = {name: progress for name, _, progress in EXISTING}
# The CSV file's rows: name, email, team, job_role. The second is first sent with BAD_EMAIL.
NEW_LEARNERS = [
    ("Priya Natarajan", "priya.natarajan@eastbrook.example.org", TEAM_A, "Social worker"),
    ("Owen Pryce", "owen.pryce@eastbrook.example.org", TEAM_B, "Health visitor or school nurse"),
    ("Lena Kowalski", "lena.kowalski@eastbrook.example.org", TEAM_B, ""),
]
BAD_EMAIL = "owen.pryce.eastbrook.example.org"
ALL_NAMES = {row[0] for row in EXISTING + NEW_LEARNERS}
TEAM_A_NAMES = {name for name, team, _ in EXISTING if team == TEAM_A} | {
    name for name, _, team, _ in NEW_LEARNERS if team == TEAM_A
}
NO_SCORE = "\N{EN DASH}"  # how the reports show a missing score
DEMO_LEARNERS = 24  # in four demonstration organisations
# What the coordinator must never see: the other organisations and their learner.
ELSEWHERE = [OTHER_ORGANISATION, OTHER_NAME] + [spec.name for spec in DEMO_ORGANISATIONS]


def email_of(name: str) -> str:
    return f"{re.sub(r'[^a-z]+', '.', name.lower()).strip('.')}@eastbrook.example.org"


@dataclass(frozen=True)
class Seeded:
    other_learner_id: int
    other_response_id: int
    item_ids: list[str]  # the core pathway's test questions, in order
    areas: int  # areas of the model (tags) those questions cover
    modules: list[str]  # the core pathway's module titles, in order
    exercise_title: str  # of EXERCISE_ID
    post_item_ids: list[str]  # form B's questions: every seeded first post-test
    amira_verdicts: list[str]  # the app's verdict on each of Amira's rewordings

    def percent(self, right: float) -> float:
        """A score of `right` questions right, as a percentage."""
        return right / len(self.item_ids) * 100


def seed(live_server: LiveServer) -> Seeded:
    """The demonstration's organisations; the coordinator's organisation with two teams
    and the learners in EXISTING; another organisation whose learner scored best."""
    with live_server.app.app_context():
        seed_demo(learners=DEMO_LEARNERS)
        org = create_organisation(ORGANISATION, Sector.LOCAL_AUTHORITY)
        teams = {name: add_team(org, name) for name in (TEAM_A, TEAM_B)}
        add_staff("Tomasz Nowak", COORDINATOR_EMAIL, COORDINATOR_PASSWORD, Role.COORDINATOR, org)
        for name, team, progress in EXISTING:
            add_learner(org, name, email_of(name), team=teams.get(team), progress=progress,
                        password=LEARNER_PASSWORD)  # fmt: skip
        other = add_learner(
            create_organisation(OTHER_ORGANISATION, Sector.HEALTH), OTHER_NAME,
            "declan.frost@fernhill.example.org", job_role=JobRole.HEALTH_VISITOR,
            progress=Progress(pre=26, modules=ALL, posts=(33,), certified_days=5,
                              rewordings=((EXERCISE_ID, (OTHER_TEXT,), None),
                                          *((e, (), None) for e in AMIRA_EXERCISES[:2]))),
        )  # fmt: skip
        db.session.commit()
        forms = course().pathways["core"].definition.test_forms
        form_a, form_b = (course().bank.tests[f] for f in forms)
        assert len(form_a.items) == len(form_b.items)
        amira = [course().rewording.exercises[e] for e in AMIRA_EXERCISES]
        return Seeded(
            other.id,
            db.session.scalar(
                sa.select(Response.id).where(Response.user_id == other.id).order_by(Response.id)
            ),
            [item.id for item in form_a.items],
            len({item.tag for item in form_a.items}),
            [module.title for module in course().pathways["core"].modules],
            course().rewording.exercises[EXERCISE_ID].title,
            [item.id for item in form_b.items],
            [feedback(e, own_version(e)).verdict for e in amira],
        )
