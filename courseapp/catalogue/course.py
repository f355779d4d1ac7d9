"""The loaded course: pathways, modules, knowledge checks and glossary, read-only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from courseapp.catalogue import timing
from courseapp.catalogue.bank import Bank
from courseapp.catalogue.rewording import Rewording
from courseapp.catalogue.schema import GlossaryTerm, KnowledgeCheck, ModuleMeta, PathwayDef


@dataclass(frozen=True)
class Part:
    slug: str
    title: str
    html: Markup


@dataclass(frozen=True)
class Module:
    meta: ModuleMeta
    intro: Markup
    parts: tuple[Part, ...]
    words: int
    path: Path
    minutes: int  # reading and the knowledge check, from content.timing

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    def part(self, slug: str) -> Part | None:
        return next((part for part in self.parts if part.slug == slug), None)


@dataclass(frozen=True)
class Pathway:
    definition: PathwayDef
    modules: tuple[Module, ...]
    # The pre-test, the post-test and the required rewordings (content.timing).
    other_minutes: float = 0.0

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def module_minutes(self) -> int:
        return sum(module.minutes for module in self.modules)

    @property
    def minutes(self) -> int:
        """The whole pathway: every module, both tests and the required rewordings."""
        return math.ceil(self.module_minutes + self.other_minutes)

    @property
    def cpd_hours(self) -> float:
        return timing.cpd_hours(self.minutes)

    def neighbours(self, module_id: str) -> tuple[Module | None, Module | None]:
        ids = [module.id for module in self.modules]
        index = ids.index(module_id)
        before = self.modules[index - 1] if index > 0 else None
        after = self.modules[index + 1] if index + 1 < len(self.modules) else None
        return before, after

    def open_before_pre_test(self, module: Module) -> bool:
        """The first module, with the content note and how the course works, can be read
        before the pre-test: nobody should meet questions about abuse unprepared."""
        return module.id == self.modules[0].id

    def suits(self, job_role_name: str | None) -> bool:
        roles = self.definition.for_job_roles
        return roles == "all" or job_role_name in roles


@dataclass(frozen=True)
class Page:
    title: str
    html: Markup


@dataclass(frozen=True)
class Course:
    pathways: dict[str, Pathway]
    modules: dict[str, Module]
    checks: dict[str, KnowledgeCheck]
    glossary: dict[str, GlossaryTerm]
    glossary_html: dict[str, Markup]
    support: Page
    bank: Bank
    rewording: Rewording

    def pathway_for_job_role(self, job_role_name: str | None) -> Pathway:
        """The most specific pathway for a job role: one that names it, else the one for all."""
        named = [p for p in self.pathways.values() if p.definition.for_job_roles != "all"]
        for pathway in named:
            if pathway.suits(job_role_name):
                return pathway
        return next(p for p in self.pathways.values() if p.definition.for_job_roles == "all")
