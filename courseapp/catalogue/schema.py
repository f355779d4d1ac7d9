"""The shape of every content file, checked with pydantic. Unknown keys are errors."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from courseapp.catalogue.roles import JobRole

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModuleSummary(Strict):
    """The module's printable one-page summary."""

    remember: list[Text] = Field(min_length=2, max_length=5)
    ask: Text  # a question to ask
    avoid: Text  # a phrase to avoid
    use: Text  # a phrase to use instead


class ModuleMeta(Strict):
    id: Slug
    title: Text
    pathways: list[Slug] = Field(min_length=1)
    order: int = Field(ge=1)
    # The test areas (tags) this module teaches: a learner who does not pass the
    # post-test is sent back to the modules of the areas they scored low in.
    teaches: list[Slug] = []
    objectives: list[Text] = Field(min_length=1, max_length=6)
    knowledge_check: Slug
    reviewed: date  # when the text was last reviewed against its sources
    summary: ModuleSummary

    @model_validator(mode="after")
    def _check(self) -> ModuleMeta:
        if self.reviewed > date.today():
            raise ValueError(f"'reviewed' is in the future: {self.reviewed.isoformat()}")
        if self.reviewed < date(2014, 1, 1):
            raise ValueError("'reviewed' must be a date the module was reviewed (YYYY-MM-DD)")
        return self


class PathwayDef(Strict):
    id: Slug
    title: Text
    audience: Text
    for_job_roles: Literal["all"] | list[str]
    modules: list[Slug] = Field(min_length=1)
    # Two parallel forms: each learner takes one as the pre-test and the other as the
    # post-test, half of them in each order (no tests when empty).
    test_forms: list[Slug] = Field(default=[])
    pass_mark: int = Field(default=70, ge=1, le=100)  # post-test percentage
    # How many of the pathway's rewording exercises a learner must submit to complete it.
    required_rewordings: int = Field(default=0, ge=0)
    # How long a certificate stays current, in months (never lapses when unset), and
    # the pathway a learner takes to renew it: a short refresher, or this one again.
    valid_for_months: int | None = Field(default=None, ge=1, le=120)
    renew_with: Slug | None = None

    @model_validator(mode="after")
    def _check(self) -> PathwayDef:
        if len(set(self.modules)) != len(self.modules):
            raise ValueError("a module is listed twice")
        if self.test_forms and (len(self.test_forms) != 2 or len(set(self.test_forms)) != 2):
            raise ValueError("'test_forms' must name two different test forms")
        if self.for_job_roles != "all":
            unknown = [role for role in self.for_job_roles if role not in JobRole.__members__]
            if unknown:
                raise ValueError(f"unknown job role {unknown[0]!r}")
        return self

    @property
    def renewal_pathway_id(self) -> str:
        """The pathway a learner takes when this pathway's certificate lapses."""
        return self.renew_with or self.id


class Option(Strict):
    id: Slug
    text: Text
    correct: bool = False
    feedback: Text


class Question(Strict):
    id: Slug
    kind: Literal["single", "multiple"]
    stem: Text
    options: list[Option] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def _check(self) -> Question:
        if len({option.id for option in self.options}) != len(self.options):
            raise ValueError("option ids must be unique within a question")
        correct = sum(option.correct for option in self.options)
        if self.kind == "single" and correct != 1:
            raise ValueError(
                f"a single-answer question needs exactly one correct option, not {correct}"
            )
        if self.kind == "multiple" and correct < 1:
            raise ValueError("a multiple-answer question needs at least one correct option")
        return self

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)


class KnowledgeCheck(Strict):
    id: Slug
    questions: list[Question] = Field(min_length=1, max_length=6)

    @model_validator(mode="after")
    def _check(self) -> KnowledgeCheck:
        if len({question.id for question in self.questions}) != len(self.questions):
            raise ValueError("question ids must be unique within a knowledge check")
        return self


class GlossaryTerm(Strict):
    id: Slug
    term: Text
    definition: Text
