"""The course's read-only definitions: pathways, modules and their Markdown, the
glossary, knowledge checks, the test item bank and forms, question kinds, rewording
exercises and their feedback rules.

Everything here is loaded once from content/ and quizzes/, checked (every problem
with its file and line) and then only read. Features read from this package; it
imports no feature.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, abort, current_app

from courseapp.catalogue.course import Course, Module, Pathway
from courseapp.catalogue.loader import load_course
from courseapp.catalogue.problems import ContentError

COURSE_KEY = "courseapp.course"


def _signature(*folders: Path) -> tuple:
    """Changes whenever a content file is added, removed or edited."""
    return tuple(
        (str(path), path.stat().st_mtime_ns, path.stat().st_size)
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )


@cache
def _load(content_dir: Path, quizzes_dir: Path, _signature: tuple) -> Course:
    return load_course(content_dir, quizzes_dir)


def load(app: Flask) -> Course:
    """Load (or reuse) the course for this app's content folders; raises ContentError."""
    content_dir, quizzes_dir = Path(app.config["CONTENT_DIR"]), Path(app.config["QUIZZES_DIR"])
    return _load(content_dir, quizzes_dir, _signature(content_dir, quizzes_dir))


def init_app(app: Flask) -> None:
    """Load the course at start-up. Broken content stops the app where CONTENT_STRICT
    is set (production); elsewhere it is logged so `flask content check` can report it."""
    try:
        app.extensions[COURSE_KEY] = load(app)
    except ContentError as error:
        if app.config["CONTENT_STRICT"]:
            raise
        app.logger.error("Course content has problems:\n%s", error)
        app.extensions[COURSE_KEY] = None


def course() -> Course:
    loaded = current_app.extensions.get(COURSE_KEY)
    if loaded is None:
        abort(503)
    return loaded


def module_or_404(module_id: str) -> Module:
    return course().modules.get(module_id) or abort(404)


def pathway_or_404(pathway_id: str) -> Pathway:
    return course().pathways.get(pathway_id) or abort(404)
