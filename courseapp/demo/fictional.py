"""The fictional organisations, teams, cohorts and names the demo is built from. Every
place and person is invented; names are put together from the two lists at random."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from courseapp.accounts.models import JobRole
from courseapp.organisations.models import Sector

J = JobRole


@dataclass(frozen=True)
class TeamSpec:
    name: str
    job_roles: tuple[JobRole, ...]  # repeated entries make a role more common


@dataclass(frozen=True)
class CohortSpec:
    name: str  # "{when}" becomes the season or school term the cohort starts in
    pathway_id: str
    starts_days_ago: int
    weeks: int
    teams: tuple[str, ...]
    school_terms: bool = False


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    sector: Sector
    share: float  # of the learners
    teams: tuple[TeamSpec, ...]
    cohorts: tuple[CohortSpec, ...]


SOCIAL_WORK = (J.SOCIAL_WORKER,) * 6 + (J.SOCIAL_WORK_MANAGER,)

ORGANISATIONS = (
    OrganisationSpec(
        "Eastmere Council", Sector.LOCAL_AUTHORITY, 0.38,
        (
            TeamSpec("Children and families north", SOCIAL_WORK),
            TeamSpec("Children and families south", SOCIAL_WORK),
            TeamSpec("Early help", (J.OTHER,) * 3 + (J.SOCIAL_WORKER, J.TRAINING)),
            TeamSpec("Children's houses", (J.RESIDENTIAL,) * 5 + (J.SOCIAL_WORK_MANAGER,)),
        ),
        (
            CohortSpec("Children and families, {when}", "core", 176, 12,
                       ("Children and families north", "Children and families south")),
            CohortSpec("Early help and children's houses, {when}", "core", 104, 10,
                       ("Early help", "Children's houses")),
            CohortSpec("Newly qualified social workers, {when}", "core", 41, 10,
                       ("Children and families north", "Children and families south")),
        ),
    ),
    OrganisationSpec(
        "Westbrook Schools Cluster", Sector.EDUCATION, 0.25,
        (
            TeamSpec("Primary schools", (J.TEACHER,) * 5 + (J.PASTORAL, J.SCHOOL_MANAGER)),
            TeamSpec("Secondary schools", (J.TEACHER,) * 3 + (J.PASTORAL,) * 3
                     + (J.SCHOOL_MANAGER,)),
            TeamSpec("Nurseries and early years", (J.EARLY_YEARS,) * 6 + (J.SCHOOL_MANAGER,)),
        ),
        (
            CohortSpec("Primary schools briefing, {when}", "briefing", 160, 8,
                       ("Primary schools",), school_terms=True),
            CohortSpec("Guidance and pastoral leads, core e-learning, {when}", "core", 132, 12,
                       ("Secondary schools", "Primary schools"), school_terms=True),
            CohortSpec("Nursery and early years briefing, {when}", "briefing", 88, 8,
                       ("Nurseries and early years",), school_terms=True),
            CohortSpec("Secondary schools briefing, {when}", "briefing", 34, 8,
                       ("Secondary schools",), school_terms=True),
        ),
    ),
    OrganisationSpec(
        "Harbourside Family Support", Sector.VOLUNTARY, 0.17,
        (
            TeamSpec("Women's and children's service", (J.ADVOCACY,) * 5 + (J.OTHER,)),
            TeamSpec("Men's behaviour change programme", (J.PERPETRATOR_PROGRAMME,) * 4
                     + (J.OTHER,)),
            TeamSpec("Refuge", (J.RESIDENTIAL,) * 2 + (J.ADVOCACY,) * 2),
        ),
        (
            CohortSpec("New staff induction, {when}", "core", 168, 16,
                       ("Women's and children's service", "Men's behaviour change programme",
                        "Refuge")),
            CohortSpec("Whole service refresher, {when}", "core", 69, 10,
                       ("Women's and children's service", "Men's behaviour change programme",
                        "Refuge")),
        ),
    ),
    OrganisationSpec(
        "Glenmoor Health Board", Sector.HEALTH, 0.20,
        (
            TeamSpec("Health visiting", (J.HEALTH_VISITOR,)),
            TeamSpec("School nursing", (J.HEALTH_VISITOR,) * 3 + (J.HEALTH_OTHER,)),
            TeamSpec("Perinatal mental health", (J.HEALTH_OTHER,)),
            TeamSpec("Emergency department", (J.HEALTH_OTHER,) * 4 + (J.TRAINING,)),
        ),
        (
            CohortSpec("Health visitors and school nurses, {when}", "core", 145, 12,
                       ("Health visiting", "School nursing")),
            CohortSpec("Perinatal and emergency care, {when}", "core", 55, 10,
                       ("Perinatal mental health", "Emergency department")),
        ),
    ),
)  # fmt: skip

FIRST_NAMES = (
    "Aileen", "Amara", "Anwen", "Bethan", "Calum", "Carys", "Ciaran", "Dana", "Declan", "Eilidh",
    "Elspeth", "Emeka", "Esme", "Fergus", "Fiona", "Grace", "Hamish", "Hana", "Imogen", "Isla",
    "Jamal", "Joanna", "Kerry", "Kirsten", "Lachlan", "Leanne", "Lorna", "Maisie", "Malik",
    "Marion", "Morag", "Nadia", "Niamh", "Olwen", "Orla", "Priya", "Rhona", "Rory", "Ruaridh",
    "Saoirse", "Shona", "Siobhan", "Tamsin", "Tariq", "Una", "Wendy", "Yasmin", "Zainab",
    "Alasdair", "Bronagh", "Colette", "Davina", "Euan", "Gillian", "Innes", "Kwame", "Mairi",
    "Neil", "Roisin", "Sunita",
)  # fmt: skip

LAST_NAMES = (
    "Abernethy", "Adebayo", "Baird", "Balfour", "Brodie", "Buchanan", "Carmichael", "Chaudhry",
    "Cowie", "Crichton", "Dalgleish", "Drummond", "Duthie", "Erskine", "Fairlie", "Farquhar",
    "Gilchrist", "Guthrie", "Haldane", "Hendry", "Imrie", "Jardine", "Kerr", "Kinnear",
    "Lindsay", "Lockhart", "MacAskill", "Macleod", "Mair", "Menzies", "Moffat", "Munro",
    "Nairn", "Nwosu", "Ogilvie", "Okafor", "Pringle", "Quigley", "Rafferty", "Rennie",
    "Sandilands", "Sinclair", "Strachan", "Tennant", "Urquhart", "Wardlaw", "Weir", "Yule",
    "Beaton", "Cairns", "Dunbar", "Fordyce", "Gowans", "Hastie", "Laing", "Mackie", "Petrie",
    "Ritchie", "Shearer", "Tulloch",
)  # fmt: skip


def when(day: date, school_terms: bool) -> str:
    """The season ("spring 2026") or school term ("autumn term 2025") a date falls in."""
    if school_terms:
        term = "spring" if day.month <= 3 else "summer" if day.month <= 7 else "autumn"
        return f"{term} term {day.year}"
    seasons = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
               6: "summer", 7: "summer", 8: "summer"}  # fmt: skip
    return f"{seasons.get(day.month, 'autumn')} {day.year}"
