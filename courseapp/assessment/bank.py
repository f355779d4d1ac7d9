"""Load the item bank, self-ratings and test forms from quizzes/, reporting problems
with file and line through the content loader's problem list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from courseapp.assessment.kinds import KINDS
from courseapp.assessment.schema import ItemBase, SelfRating, TestForm
from courseapp.content.problems import Problem
from courseapp.content.yamlfile import load_yaml


@dataclass(frozen=True)
class Test:
    """A test form with its items and self-ratings resolved."""

    form: TestForm
    items: tuple[ItemBase, ...]
    ratings: tuple[SelfRating, ...]

    @property
    def id(self) -> str:
        return self.form.id

    @property
    def title(self) -> str:
        return self.form.title

    def item(self, item_id: str) -> ItemBase | None:
        return next((item for item in self.items if item.id == item_id), None)


@dataclass(frozen=True)
class Bank:
    items: dict[str, ItemBase]
    ratings: dict[str, SelfRating]
    tests: dict[str, Test]


Report = Callable[[Problem], None]


def _list_file(path: Path, report: Report):
    """(document, items) for a YAML file holding a list, or (None, [])."""
    doc, problem = load_yaml(path)
    if problem:
        report(problem)
        return None, []
    if not isinstance(doc.data, list):
        report(Problem(path, 1, "expected a list"))
        return None, []
    return doc, doc.data


def load_bank(quizzes_dir: Path, report: Report) -> Bank:
    items: dict[str, ItemBase] = {}
    for path in sorted((quizzes_dir / "bank").glob("*.yaml")):
        doc, raw_items = _list_file(path, report)
        for index, raw in enumerate(raw_items):
            kind = raw.get("kind") if isinstance(raw, dict) else None
            if kind not in KINDS:
                line = doc.line_of((index, "kind"))
                report(
                    Problem(
                        path, line, f"unknown item kind {kind!r}; use one of " + ", ".join(KINDS)
                    )
                )
                continue
            item, problems = doc.validate(KINDS[kind].model, raw, loc=(index,))
            for problem in problems:
                report(problem)
            if item is None:
                continue
            if item.id in items:
                report(Problem(path, doc.line_of((index, "id")), f"duplicate item id {item.id!r}"))
            items[item.id] = item

    ratings: dict[str, SelfRating] = {}
    path = quizzes_dir / "self-ratings.yaml"
    if path.exists():
        doc, raw_ratings = _list_file(path, report)
        for index, raw in enumerate(raw_ratings):
            rating, problems = doc.validate(SelfRating, raw, loc=(index,))
            for problem in problems:
                report(problem)
            if rating is not None:
                if rating.id in ratings:
                    line = doc.line_of((index, "id"))
                    report(Problem(path, line, f"duplicate self-rating id {rating.id!r}"))
                ratings[rating.id] = rating

    tests: dict[str, Test] = {}
    for path in sorted((quizzes_dir / "tests").glob("*.yaml")):
        doc, problem = load_yaml(path)
        if problem:
            report(problem)
            continue
        form, problems = doc.validate(TestForm)
        for problem in problems:
            report(problem)
        if form is None:
            continue
        for key, known in (("items", items), ("self_ratings", ratings)):
            for position, ref in enumerate(getattr(form, key)):
                if ref not in known:
                    report(
                        Problem(
                            path,
                            doc.line_of((key, position)),
                            f"unknown {key[:-1].replace('_', '-')} id {ref!r}",
                        )
                    )
        if form.id in tests:
            report(Problem(path, doc.line_of(("id",)), f"duplicate test id {form.id!r}"))
        tests[form.id] = Test(
            form,
            tuple(items[i] for i in form.items if i in items),
            tuple(ratings[r] for r in form.self_ratings if r in ratings),
        )
    return Bank(items, ratings, tests)
