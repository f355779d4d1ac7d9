"""Job roles: pathways name the roles they suit, and accounts record each person's."""

from __future__ import annotations

import enum


class JobRole(enum.StrEnum):
    SOCIAL_WORKER = "Social worker"
    SOCIAL_WORK_MANAGER = "Social work team leader or manager"
    HEALTH_VISITOR = "Health visitor or school nurse"
    HEALTH_OTHER = "Other health professional"
    POLICE = "Police officer or staff"
    ADVOCACY = "Women's aid or domestic abuse advocacy worker"
    PERPETRATOR_PROGRAMME = "Perpetrator programme worker"
    RESIDENTIAL = "Residential care worker"
    TEACHER = "Teacher"
    PASTORAL = "Guidance or pastoral staff"
    SCHOOL_MANAGER = "School manager or head teacher"
    EARLY_YEARS = "Nursery or early years practitioner"
    TRAINING = "Training or learning and development lead"
    OTHER = "Other"
