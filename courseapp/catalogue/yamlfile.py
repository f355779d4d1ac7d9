"""YAML with line numbers: parse once, and find the line of any key path for messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from courseapp.catalogue.problems import Problem


@dataclass(frozen=True)
class YamlDocument:
    path: Path
    data: Any
    root: yaml.Node | None
    first_line: int = 1  # where the YAML starts in the file (front matter starts on line 2)

    def line_of(self, loc: tuple) -> int:
        """The line of the value at loc (keys and list indexes), or of its nearest parent."""
        node = self.root
        for key in loc:
            child = _child(node, key)
            if child is None:
                break
            node = child
        line = node.start_mark.line if node is not None else 0
        return self.first_line + line

    def validate(self, model: type[BaseModel], data: Any = None, loc: tuple = ()):
        """Validate against a pydantic model; return (instance or None, problems)."""
        try:
            return model.model_validate(self.data if data is None else data), []
        except ValidationError as error:
            return None, [
                Problem(self.path, self.line_of(loc + tuple(e["loc"])), _describe(e))
                for e in error.errors()
            ]


def _child(node: yaml.Node | None, key) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _describe(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"'{field}' is missing"
    if error["type"] == "extra_forbidden":
        return f"'{field}' is not a known field"
    prefix = f"'{field}': " if field else ""
    return prefix + error["msg"].removeprefix("Value error, ")


def parse_yaml(
    path: Path, text: str, first_line: int = 1
) -> tuple[YamlDocument | None, Problem | None]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + mark.line if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        context, context_mark = (
            getattr(error, "context", None),
            getattr(error, "context_mark", None),
        )
        if (
            context
            and context_mark is not None
            and context_mark.line != getattr(mark, "line", None)
        ):
            reason += f" ({context} that starts on line {first_line + context_mark.line})"
        return None, Problem(path, line, f"YAML cannot be read: {reason}")
    return YamlDocument(path, data, root, first_line), None


def load_yaml(path: Path) -> tuple[YamlDocument | None, Problem | None]:
    return parse_yaml(path, path.read_text(encoding="utf-8"))


Report = Callable[[Problem], None]
Entry = tuple[Any, YamlDocument, int]  # (validated entry, its document, its index)


def load_list(
    path: Path,
    what: str,
    model: type[BaseModel] | Callable[[Any, YamlDocument, int], type[BaseModel] | None],
    report: Report,
) -> list[Entry]:
    """Validate each entry of a YAML file that holds a list, reporting every problem with
    its line. `model` is a pydantic model, or a function that picks one for an entry (or
    reports why there is none and returns None). Used by every list file of the course."""
    if not path.exists():
        report(Problem(path, None, f"file is missing: it should hold the {what}"))
        return []
    doc, problem = load_yaml(path)
    if problem:
        report(problem)
        return []
    if not isinstance(doc.data, list) or not doc.data:
        report(Problem(path, 1, f"expected a list of {what}"))
        return []
    entries = []
    for index, raw in enumerate(doc.data):
        chosen = model if isinstance(model, type) else model(raw, doc, index)
        if chosen is None:
            continue
        entry, problems = doc.validate(chosen, raw, loc=(index,))
        for found in problems:
            report(found)
        if entry is not None:
            entries.append((entry, doc, index))
    return entries


def unique(entries: list[Entry], what: str, report: Report) -> dict[str, Entry]:
    """The entries by id; a second entry with the same id is reported, and the first kept."""
    seen: dict[str, Entry] = {}
    for entry, doc, index in entries:
        if entry.id in seen:
            line = doc.line_of((index, "id"))
            report(Problem(doc.path, line, f"duplicate {what} id {entry.id!r}"))
        else:
            seen[entry.id] = (entry, doc, index)
    return seen
