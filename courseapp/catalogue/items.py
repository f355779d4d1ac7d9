"""Definitions of test items, self-ratings and test forms, as read from quizzes/."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from courseapp.catalogue.schema import Slug, Strict, Text

TAGS = (
    "principle-1", "principle-2", "principle-3",
    "component-1", "component-2", "component-3", "component-4", "component-5",
    "continuum", "language-and-documentation", "evidence", "briefing",
)  # fmt: skip
Tag = Literal[
    "principle-1", "principle-2", "principle-3",
    "component-1", "component-2", "component-3", "component-4", "component-5",
    "continuum", "language-and-documentation", "evidence", "briefing",
]  # fmt: skip

TAG_LABELS = {
    "principle-1": "Principle 1: keep the child safe and together with the non-offending parent",
    "principle-2": "Principle 2: partner with the non-offending parent",
    "principle-3": "Principle 3: intervene with the perpetrator",
    "component-1": "Component 1: the perpetrator's pattern of coercive control",
    "component-2": "Component 2: actions taken to harm the child",
    "component-3": "Component 3: the non-offending parent's protective efforts",
    "component-4": "Component 4: impact on the child and family functioning",
    "component-5": "Component 5: substance misuse, mental health, culture and money",
    "continuum": "The continuum of practice",
    "language-and-documentation": "Language, documentation and case planning",
    "evidence": "What the evidence says",
    "briefing": "Noticing, recording and passing on in schools and early years",
}

SCHEMES = {
    "continuum": {
        "destructive": "Destructive",
        "neglectful": "Neglectful",
        "pre-competent": "Pre-competent",
        "competent": "Competent",
        "proficient": "Proficient",
    },
    "components": {
        "component-1": "1. The perpetrator's pattern of coercive control",
        "component-2": "2. Actions taken by the perpetrator to harm the child",
        "component-3": "3. The non-offending parent's protective efforts",
        "component-4": "4. Impact on the child and family functioning",
        "component-5": "5. Substance misuse, mental health, culture and socio-economic factors",
    },
}

SCALES = {
    "confidence": ("Not at all confident", "Slightly confident", "Fairly confident",
                   "Confident", "Very confident"),
    "agreement": ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                  "Strongly agree"),
}  # fmt: skip


class Option(Strict):
    id: Slug
    text: Text


class ItemBase(Strict):
    id: Slug
    tag: Tag
    stem: Text
    explanation: Text


class ChoiceItem(ItemBase):
    options: list[Option] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def _unique_options(self):
        if len({option.id for option in self.options}) != len(self.options):
            raise ValueError("option ids must be unique within an item")
        return self

    def _check_known(self, ids: list[str]) -> None:
        known = {option.id for option in self.options}
        unknown = [option_id for option_id in ids if option_id not in known]
        if unknown:
            raise ValueError(f"'correct' names an option that does not exist: {unknown[0]!r}")


class SingleItem(ChoiceItem):
    kind: Literal["single"]
    correct: Slug

    @model_validator(mode="after")
    def _known(self):
        self._check_known([self.correct])
        return self


class ScenarioItem(SingleItem):
    kind: Literal["scenario"]  # type: ignore[assignment]
    case: Text


class MultipleItem(ChoiceItem):
    kind: Literal["multiple"]
    correct: list[Slug] = Field(min_length=1)

    @model_validator(mode="after")
    def _known(self):
        self._check_known(self.correct)
        if len(set(self.correct)) == len(self.options):
            raise ValueError("a multiple-response item needs at least one wrong option")
        return self


class TrueFalseItem(ItemBase):
    kind: Literal["true-false"]
    correct: bool


class Statement(Strict):
    id: Slug
    text: Text
    answer: Slug


class ClassificationItem(ItemBase):
    kind: Literal["classification"]
    scheme: Literal["continuum", "components"]
    statements: list[Statement] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def _answers_in_scheme(self):
        categories = SCHEMES[self.scheme]
        for statement in self.statements:
            if statement.answer not in categories:
                raise ValueError(
                    f"statement {statement.id!r}: {statement.answer!r} is not one of "
                    + ", ".join(categories)
                )
        if len({s.id for s in self.statements}) != len(self.statements):
            raise ValueError("statement ids must be unique within an item")
        return self


class SelfRating(Strict):
    id: Slug
    scale: Literal["confidence", "agreement"]
    statement: Text
    blaming: bool = False


class TestForm(Strict):
    id: Slug
    title: Text
    pathway: Slug
    items: list[Slug] = Field(min_length=1)
    self_ratings: list[Slug] = []

    @model_validator(mode="after")
    def _unique(self):
        if len(set(self.items)) != len(self.items):
            raise ValueError("an item is listed twice")
        return self
