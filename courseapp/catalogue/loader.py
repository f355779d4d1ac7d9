"""Read, check and render every content file. Either the whole course loads, or
ContentError lists every problem found (file, line, what is wrong)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from courseapp.catalogue import timing
from courseapp.catalogue.bank import load_bank
from courseapp.catalogue.course import Course, Module, Page, Part, Pathway
from courseapp.catalogue.items import TAGS
from courseapp.catalogue.markdown import (
    INCLUDE,
    Section,
    SourceLine,
    check_admonitions,
    rewrite_links,
    split_sections,
    to_html,
)
from courseapp.catalogue.problems import ContentError, Problem
from courseapp.catalogue.rewording import Rewording, load_rewording
from courseapp.catalogue.rules import vocabulary
from courseapp.catalogue.schema import GlossaryTerm, KnowledgeCheck, ModuleMeta, PathwayDef
from courseapp.catalogue.yamlfile import YamlDocument, load_list, load_yaml, parse_yaml, unique

PAGES = {"support": "/support", "glossary": "/glossary"}
WORD = re.compile(r"[\w'\u2019-]+")


def module_url(module_id: str, part: str | None = None) -> str:
    return f"/modules/{module_id}" + (f"/{part}" if part else "")


class _Loader:
    def __init__(self, content_dir: Path, quizzes_dir: Path):
        self.content_dir = content_dir
        self.quizzes_dir = quizzes_dir
        self.problems: list[Problem] = []
        # Module files that exist but could not be read: links to them are not
        # reported as broken, so one mistake gives one message.
        self.unreadable: set[str] = set()
        self.bank = load_bank(quizzes_dir, self.problems.append)
        self.rewording = load_rewording(quizzes_dir, self.problems.append)

    def problem(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    # -- YAML files -----------------------------------------------------------------

    def pathways(self) -> dict:
        path = self.content_dir / "pathways.yaml"
        entries = load_list(path, "pathways", PathwayDef, self.problems.append)
        pathways = unique(entries, "pathway", self.problems.append)
        for_all = [pid for pid, (p, _, _) in pathways.items() if p.for_job_roles == "all"]
        if pathways and len(for_all) != 1:
            self.problem(path, None, "exactly one pathway must have 'for_job_roles: all'")
        for pathway, doc, index in pathways.values():
            for position, test_id in enumerate(pathway.test_forms):
                line = doc.line_of((index, "test_forms", position))
                test = self.bank.tests.get(test_id)
                if test is None:
                    self.problem(path, line, f"unknown quiz id {test_id!r}")
                elif test.form.pathway != pathway.id:
                    message = f"test form {test_id!r} is for pathway {test.form.pathway!r}"
                    self.problem(path, line, message)
            if pathway.renew_with:
                line = doc.line_of((index, "renew_with"))
                if pathway.renew_with not in pathways:
                    message = f"unknown pathway {pathway.renew_with!r} in 'renew_with'"
                    self.problem(path, line, message)
                if pathway.valid_for_months is None:
                    message = "'renew_with' needs 'valid_for_months': without it nothing lapses"
                    self.problem(path, line, message)
        return pathways

    def glossary(self) -> dict[str, GlossaryTerm]:
        path = self.content_dir / "glossary.yaml"
        entries = load_list(path, "glossary terms", GlossaryTerm, self.problems.append)
        terms = unique(entries, "glossary", self.problems.append)
        return {term_id: term for term_id, (term, _, _) in terms.items()}

    def checks(self) -> dict[str, KnowledgeCheck]:
        checks: dict[str, KnowledgeCheck] = {}
        for path in sorted((self.quizzes_dir / "knowledge-checks").glob("*.yaml")):
            doc, problem = load_yaml(path)
            if problem:
                self.problems.append(problem)
                continue
            check, problems = doc.validate(KnowledgeCheck)
            self.problems.extend(problems)
            if check is None:
                continue
            if check.id in checks:
                self.problem(
                    path, doc.line_of(("id",)), f"duplicate knowledge check id {check.id!r}"
                )
            checks[check.id] = check
        return checks

    # -- Markdown files -------------------------------------------------------------

    def front_matter(self, path: Path) -> tuple[YamlDocument | None, list[SourceLine]]:
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines or lines[0].strip() != "---":
            self.problem(path, 1, "the file must start with front matter between '---' lines")
            return None, []
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            self.problem(path, 1, "the front matter has no closing '---' line")
            return None, []
        doc, problem = parse_yaml(path, "\n".join(lines[1:end]), first_line=2)
        if problem:
            self.problems.append(problem)
            return None, []
        if not isinstance(doc.data, dict):
            self.problem(path, 2, "the front matter must be a set of 'key: value' lines")
            return None, []
        body = [SourceLine(i + 1, text) for i, text in enumerate(lines) if i > end]
        return doc, body

    def support(self) -> tuple[Page | None, list[SourceLine]]:
        path = self.content_dir / "support.md"
        if not path.exists():
            self.problem(path, None, "file is missing: it should hold the support list")
            return None, []
        doc, body = self.front_matter(path)
        if doc is None:
            return None, []
        title = doc.data.get("title")
        if not isinstance(title, str) or not title.strip():
            self.problem(path, 2, "'title' is missing")
            return None, body
        return Page(title=title, html=to_html("\n".join(x.text for x in body), title)), body

    def module_sources(self) -> dict[str, tuple[ModuleMeta, list[SourceLine], YamlDocument]]:
        sources: dict[str, tuple[ModuleMeta, list[SourceLine], YamlDocument]] = {}
        for path in sorted((self.content_dir / "modules").glob("*.md")):
            doc, body = self.front_matter(path)
            meta, problems = doc.validate(ModuleMeta) if doc else (None, [])
            self.problems.extend(problems)
            if meta is None:
                self.unreadable.add(path.stem)
                continue
            if meta.id in sources:
                self.problem(path, doc.line_of(("id",)), f"duplicate module id {meta.id!r}")
                continue
            if meta.id != path.stem:
                self.problem(
                    path, doc.line_of(("id",)), f"the id must match the file name {path.stem!r}"
                )
            sources[meta.id] = (meta, body, doc)
        return sources

    def include(
        self, path: Path, body: list[SourceLine], support: list[SourceLine]
    ) -> list[SourceLine]:
        out: list[SourceLine] = []
        for line in body:
            match = INCLUDE.match(line.text)
            if not match:
                out.append(line)
            elif match["name"] == "support.md":
                # One level down, so the included headings sit inside the current part.
                out.extend(
                    SourceLine(line.number, "#" + text if text.startswith("#") else text)
                    for text in (included.text for included in support)
                )
            else:
                self.problem(
                    path, line.number, f"cannot include {match['name']!r}: only support.md"
                )
        return out

    # -- The whole course -----------------------------------------------------------

    def load(self) -> Course:
        pathway_defs = self.pathways()
        glossary = self.glossary()
        checks = self.checks()
        support, support_lines = self.support()
        sources = self.module_sources()

        split: dict[str, tuple[list[SourceLine], list[Section]]] = {}
        for module_id, (meta, body, doc) in sources.items():
            path = doc.path
            body = self.include(path, body, support_lines)
            for number, message in check_admonitions(body):
                self.problem(path, number, message)
            intro, sections = split_sections(body)
            if not sections:
                self.problem(path, None, "a module needs at least one '## ' section")
            seen: set[str] = set()
            for section in sections:
                if section.slug in seen:
                    self.problem(path, section.line, f"duplicate section heading {section.title!r}")
                seen.add(section.slug)
            split[module_id] = (intro, sections)
            if meta.knowledge_check not in checks:
                line = doc.line_of(("knowledge_check",))
                self.problem(path, line, f"unknown quiz id {meta.knowledge_check!r}")

        def resolve(scheme: str, target: str, anchor: str | None) -> str | None:
            if scheme == "glossary":
                return f"/glossary#{target}" if target in glossary and not anchor else None
            if scheme == "page":
                return PAGES.get(target) if not anchor else None
            if target in self.unreadable and target not in split:
                return module_url(target)
            if target not in split:
                return None
            if not anchor:
                return module_url(target)
            for section in split[target][1]:
                if anchor == section.slug:
                    return module_url(target, section.slug)
                if anchor in section.subheading_slugs:
                    return module_url(target, section.slug) + f"#{anchor}"
            return None

        modules: dict[str, Module] = {}
        course_text: list[str] = []
        for module_id, (intro, sections) in split.items():
            meta, _, doc = sources[module_id]
            path = doc.path
            intro, problems = rewrite_links(intro, resolve)
            parts = []
            for section in sections:
                lines, section_problems = rewrite_links(list(section.lines), resolve)
                problems += section_problems
                parts.append(
                    Part(
                        section.slug,
                        section.title,
                        to_html("\n".join(x.text for x in lines), section.title),
                    )
                )
            for number, message in problems:
                self.problem(path, number, message)
            texts = [line.text for line in intro] + [
                section.title + " " + section.markdown for section in sections
            ]
            course_text += texts
            words = sum(len(WORD.findall(text)) for text in texts)
            intro_html = to_html("\n".join(line.text for line in intro), meta.title)
            check = checks.get(meta.knowledge_check)
            minutes = timing.module_minutes(words, len(check.questions) if check else 0)
            modules[module_id] = Module(meta, intro_html, tuple(parts), words, path, minutes)
            for tag in meta.teaches:
                if tag not in TAGS:
                    self.problem(path, doc.line_of(("teaches",)), f"unknown test area {tag!r}")

        pathways = self._link_pathways(pathway_defs, modules)
        for exercise in self.rewording.exercises.values():
            for module_id in exercise.modules:
                if module_id not in modules and module_id not in self.unreadable:
                    path = self.quizzes_dir / "rewording" / "exercises"
                    self.problem(
                        path, None, f"exercise {exercise.id!r}: unknown module {module_id!r}"
                    )
        if self.problems:
            raise ContentError(self.problems)
        glossary_html = {term_id: to_html(term.definition) for term_id, term in glossary.items()}
        return Course(
            pathways,
            modules,
            checks,
            glossary,
            glossary_html,
            support,
            self.bank,
            self._with_vocabulary(self.rewording, course_text, glossary),
        )

    @staticmethod
    def _with_vocabulary(
        rewording: Rewording, course_text: list[str], glossary: dict[str, GlossaryTerm]
    ) -> Rewording:
        """The coach's rules, knowing every word the course uses: its modules, glossary and
        rewording exercises (a text made mostly of other words is not about the course)."""
        if rewording.rules is None:
            return rewording
        exercises = [
            " ".join((e.title, e.case, e.destructive, *e.model_answers, *e.hints, *e.people))
            for e in rewording.exercises.values()
        ]
        terms = [f"{term.term} {term.definition}" for term in glossary.values()]
        words = rewording.rules.vocabulary | vocabulary((*course_text, *terms, *exercises))
        return dataclasses.replace(
            rewording, rules=dataclasses.replace(rewording.rules, vocabulary=words)
        )

    def _link_pathways(self, pathway_defs: dict, modules: dict[str, Module]) -> dict[str, Pathway]:
        pathways: dict[str, Pathway] = {}
        for pathway_id, (definition, doc, index) in pathway_defs.items():
            for position, module_id in enumerate(definition.modules):
                if module_id in self.unreadable:
                    continue
                if module_id not in modules:
                    line = doc.line_of((index, "modules", position))
                    self.problem(doc.path, line, f"unknown module id {module_id!r}")
                elif pathway_id not in modules[module_id].meta.pathways:
                    message = f"'pathways' must include {pathway_id!r}, which lists this module"
                    self.problem(modules[module_id].path, None, message)
            pathway_modules = tuple(modules[m] for m in definition.modules if m in modules)
            pathways[pathway_id] = Pathway(
                definition, pathway_modules, self._other_minutes(definition, doc, index)
            )
        for module in modules.values():
            for pathway_id in module.meta.pathways:
                if pathway_id not in pathway_defs:
                    self.problem(module.path, None, f"unknown pathway {pathway_id!r}")
                elif module.id not in pathway_defs[pathway_id][0].modules:
                    self.problem(
                        module.path, None, f"pathway {pathway_id!r} does not list this module"
                    )
        return pathways

    def _other_minutes(self, definition, doc, index) -> float:
        """The time a pathway's tests and required rewordings take: a learner sits
        both forms, one before and one after."""
        forms = [self.bank.tests[f] for f in definition.test_forms if f in self.bank.tests]
        exercises = [e for e in self.rewording.exercises.values() if definition.id in e.pathways]
        if definition.required_rewordings > len(exercises):
            line = doc.line_of((index, "required_rewordings"))
            message = f"required_rewordings is {definition.required_rewordings} but the " \
                f"pathway has {len(exercises)} rewording exercises"  # fmt: skip
            self.problem(doc.path, line, message)
        tests = sum(timing.test_minutes(len(f.items), len(f.ratings)) for f in forms)
        return tests + timing.rewording_minutes(definition.required_rewordings)


def load_course(content_dir: Path, quizzes_dir: Path) -> Course:
    return _Loader(content_dir, quizzes_dir).load()
