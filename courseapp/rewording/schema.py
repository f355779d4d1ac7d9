"""Definitions of rewording exercises and of the feedback rules file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from courseapp.assessment.schema import Tag
from courseapp.content.schema import Slug, Strict, Text


class Exercise(Strict):
    id: Slug
    title: Text
    pathways: list[Literal["core", "briefing"]] = Field(min_length=1)
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


class RulesFile(Strict):
    lexicons: dict[str, list[str]]
    flags: list[RuleDef] = Field(min_length=1)
    strengths: list[RuleDef] = Field(min_length=1)
    topic_words: list[str] = Field(min_length=1)
