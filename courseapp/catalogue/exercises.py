"""Definitions of rewording exercises and of the feedback rules file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from courseapp.catalogue.items import Tag
from courseapp.catalogue.schema import Slug, Strict, Text

Role = Literal["survivor", "perpetrator", "child", "other"]
Act = Literal[
    "why-question", "open-question", "closed-question", "instruction", "condition", "statement"
]
Actor = Literal["survivor", "perpetrator", "child", "both", "worker", "other"]


class Exercise(Strict):
    id: Slug
    title: Text
    pathways: list[Literal["core", "briefing"]] = Field(min_length=1)
    # The case's people by name, so the coach reads "Sara let Liam in" as she and he.
    people: dict[str, Role] = {}
    modules: list[Slug] = []
    practises: Tag
    case: Text
    destructive: Text
    model_answers: list[Text] = Field(min_length=2)
    hints: list[Text] = Field(min_length=1)


class RuleDef(Strict):
    id: Slug
    label: Text
    practice: Tag
    explains: Text
    patterns: list[str] = []
    unless: list[str] = []
    negatable: bool = False
    builtin: bool = False
    # The reading a clause must have for the rule to apply (empty: any).
    acts: list[Act] = []
    not_acts: list[Act] = []
    actors: list[Actor] = []
    targets: list[Actor] = []
    # A weak flag alone makes the verdict uncertain; a weak strength alone does not
    # make a text constructive.
    weight: Literal["strong", "weak"] = "strong"


class RulesFile(Strict):
    lexicons: dict[str, list[str]]
    flags: list[RuleDef] = Field(min_length=1)
    strengths: list[RuleDef] = Field(min_length=1)
    topic_words: list[str] = Field(min_length=1)
    # A text made of the model's terms with hardly a word that binds them into a
    # sentence is a list of terms, not a rewording (the built-in list-of-terms flag).
    function_words: list[str] = Field(min_length=1)
    model_terms: list[str] = Field(min_length=1)
    # Words a rewording of any case may use: a text found constructive must also name
    # something of its own case beyond these (the built-in not-this-case flag).
    generic_words: list[str] = Field(min_length=1)
