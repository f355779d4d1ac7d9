"""The learners of the learner journeys: a social worker on the core course and a
teacher on the schools and early years briefing, with the rewordings each sends."""

from courseapp.accounts.models import JobRole
from courseapp.organisations.models import Sector
from tests.browser.learning import Learner

CORE = Learner(
    pathway_id="core",
    organisation="Westmere Borough Council",
    sector=Sector.LOCAL_AUTHORITY,
    team="Children and families west",
    join_code="WEST2345",
    name="Aled Hughes",
    email="aled.hughes@westmere.example.org",
    password="harbour tulip quartz engine",
    job_role=JobRole.SOCIAL_WORKER,
    rewordings=(
        (
            "why-not-ended-relationship",
            (
                "Why are you still with him? You have to choose between Jon and the children.",
                "What do you think Jon might do if you left, and what has helped you keep the "
                "children safe so far?",
            ),
        ),
        (
            "phone-the-police-next-time",
            (
                "Stuart took your phone so you could not call for help. What has helped you "
                "stay safe before, and what could we plan together for next time?",
            ),
        ),
    ),
)
BRIEFING = Learner(
    pathway_id="briefing",
    organisation="Southvale Schools Federation",
    sector=Sector.EDUCATION,
    team="Southvale Primary",
    join_code="SVSF6789",
    name="Priya Natarajan",
    email="priya.natarajan@southvale.example.org",
    password="meadow quartz lantern ferry",
    job_role=JobRole.TEACHER,
    rewordings=(
        (
            "nursery-hitting",
            (
                "Isla keeps hitting other children. You need to be stricter with her at home.",
                "Isla has had a hard week and seems frightened by loud voices. How is she at "
                "home, and what would help us support her here together?",
            ),
        ),
    ),
)
