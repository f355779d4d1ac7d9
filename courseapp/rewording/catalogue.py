"""Load rewording exercises and the feedback rules from quizzes/rewording/, reporting
problems with file and line through the content loader."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from courseapp.content.problems import Problem
from courseapp.content.yamlfile import load_yaml
from courseapp.rewording.engine import Rules, compile_rules, rules_version
from courseapp.rewording.schema import Exercise, RulesFile

RULES_FILE = "feedback-rules.yaml"
BUILTIN_FLAGS = {"too-short", "off-topic", "repeats-prompt"}


@dataclass(frozen=True)
class Rewording:
    exercises: dict[str, Exercise]
    rules: Rules | None


def load_rewording(quizzes_dir: Path, report: Callable[[Problem], None]) -> Rewording:
    folder = quizzes_dir / "rewording"
    exercises: dict[str, Exercise] = {}
    for path in sorted((folder / "exercises").glob("*.yaml")):
        doc, problem = load_yaml(path)
        if problem:
            report(problem)
            continue
        if not isinstance(doc.data, list):
            report(Problem(path, 1, "expected a list of exercises"))
            continue
        for index, raw in enumerate(doc.data):
            exercise, problems = doc.validate(Exercise, raw, loc=(index,))
            for found in problems:
                report(found)
            if exercise is None:
                continue
            if exercise.id in exercises:
                line = doc.line_of((index, "id"))
                report(Problem(path, line, f"duplicate exercise id {exercise.id!r}"))
            if not exercise.case.startswith("Fictional case"):
                line = doc.line_of((index, "case"))
                report(Problem(path, line, 'the case must start with "Fictional case"'))
            for name in exercise.people:
                # The coach reads names through `people:`; a renamed person must be
                # renamed there too, or the coach stops recognising them.
                if name.lower() not in exercise.case.lower():
                    line = doc.line_of((index, "people"))
                    report(Problem(path, line, f"people: {name!r} is not named in the case"))
            exercises[exercise.id] = exercise
    rules = _rules(folder / RULES_FILE, report)
    if rules is not None:
        # The case's names change how texts are read, so they are part of the version.
        people = json.dumps({e.id: e.people for e in exercises.values()}, sort_keys=True)
        source = (folder / RULES_FILE).read_bytes() + people.encode()
        rules = dataclasses.replace(rules, version=rules_version(source))
    return Rewording(exercises, rules)


def _rules(path: Path, report: Callable[[Problem], None]) -> Rules | None:
    if not path.exists():
        report(Problem(path, None, "file is missing: it holds the rewording feedback rules"))
        return None
    doc, problem = load_yaml(path)
    if problem:
        report(problem)
        return None
    definition, problems = doc.validate(RulesFile)
    for found in problems:
        report(found)
    if definition is None:
        return None
    missing = BUILTIN_FLAGS - {rule.id for rule in definition.flags if rule.builtin}
    if missing:
        report(Problem(path, None, f"built-in flags missing: {', '.join(sorted(missing))}"))
        return None
    try:
        return compile_rules(definition)
    except ValueError as error:
        rule_id = str(error).split("'")[1] if "'" in str(error) else ""
        section = next(
            (key for key in ("flags", "strengths")
             for rule in getattr(definition, key) if rule.id == rule_id), "flags",
        )  # fmt: skip
        index = next(
            (i for i, rule in enumerate(getattr(definition, section)) if rule.id == rule_id), 0
        )
        report(Problem(path, doc.line_of((section, index, "patterns")), str(error)))
        return None
