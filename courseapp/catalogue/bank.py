"""Load the item bank, self-ratings and test forms from quizzes/, reporting problems
with file and line through the content loader's problem list."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from courseapp.catalogue.items import ItemBase, SelfRating, TestForm
from courseapp.catalogue.kinds import KINDS
from courseapp.catalogue.problems import Problem
from courseapp.catalogue.yamlfile import Report, YamlDocument, load_list, load_yaml, unique


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
        return self._items_by_id.get(item_id)

    @cached_property
    def _items_by_id(self) -> dict[str, ItemBase]:
        return {item.id: item for item in self.items}


@dataclass(frozen=True)
class Bank:
    items: dict[str, ItemBase]
    ratings: dict[str, SelfRating]
    tests: dict[str, Test]


def load_bank(quizzes_dir: Path, report: Report) -> Bank:
    def item_model(raw, doc: YamlDocument, index: int):
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if kind in KINDS:
            return KINDS[kind].model
        message = f"unknown item kind {kind!r}; use one of " + ", ".join(KINDS)
        report(Problem(doc.path, doc.line_of((index, "kind")), message))
        return None

    entries = [
        entry
        for path in sorted((quizzes_dir / "bank").glob("*.yaml"))
        for entry in load_list(path, "test items", item_model, report)
    ]
    items = {key: item for key, (item, _, _) in unique(entries, "item", report).items()}
    ratings: dict[str, SelfRating] = {}
    path = quizzes_dir / "self-ratings.yaml"
    if path.exists():
        found = unique(load_list(path, "self-ratings", SelfRating, report), "self-rating", report)
        ratings = {key: rating for key, (rating, _, _) in found.items()}

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
