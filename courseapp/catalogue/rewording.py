"""Load rewording exercises and the feedback rules from quizzes/rewording/, reporting
problems with file and line through the content loader."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from courseapp.catalogue.exercises import Exercise, RulesFile
from courseapp.catalogue.problems import Problem
from courseapp.catalogue.rules import Rules, compile_rules, rules_version
from courseapp.catalogue.yamlfile import load_list, load_yaml, unique

RULES_FILE = "feedback-rules.yaml"
BUILTIN_FLAGS = {
    "too-short",
    "off-topic",
    "repeats-prompt",
    "list-of-terms",
    "not-written-out",
    "copies",
    "not-this-case",
    "reuses-own",
    "shared-text",
    "close-to-shared",
}


@dataclass(frozen=True)
class Rewording:
    exercises: dict[str, Exercise]
    rules: Rules | None


def load_rewording(quizzes_dir: Path, report: Callable[[Problem], None]) -> Rewording:
    folder = quizzes_dir / "rewording"
    exercises: dict[str, Exercise] = {}
    entries = [
        entry
        for path in sorted((folder / "exercises").glob("*.yaml"))
        for entry in load_list(path, "exercises", Exercise, report)
    ]
    for exercise_id, (exercise, doc, index) in unique(entries, "exercise", report).items():
        if not exercise.case.startswith("Fictional case"):
            line = doc.line_of((index, "case"))
            report(Problem(doc.path, line, 'the case must start with "Fictional case"'))
        for name in exercise.people:
            # The coach reads names through `people:`; a renamed person must be
            # renamed there too, or the coach stops recognising them.
            if name.lower() not in exercise.case.lower():
                line = doc.line_of((index, "people"))
                report(Problem(doc.path, line, f"people: {name!r} is not named in the case"))
        exercises[exercise_id] = exercise
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
