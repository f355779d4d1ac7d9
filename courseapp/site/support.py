"""The support page: an editable Markdown file, rendered once and sanitised."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import markdown
import nh3
import yaml
from flask import current_app
from markupsafe import Markup

SUPPORT_FILE = "support.md"


@dataclass(frozen=True)
class Page:
    title: str
    html: Markup


# GOV.UK Frontend classes, set by the sanitiser so that Markdown stays plain.
GOVUK_CLASSES = {
    "h2": {"class": "govuk-heading-l"},
    "h3": {"class": "govuk-heading-m"},
    "h4": {"class": "govuk-heading-s"},
    "p": {"class": "govuk-body"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "a": {"class": "govuk-link"},
    "table": {"class": "govuk-table"},
    "thead": {"class": "govuk-table__head"},
    "tbody": {"class": "govuk-table__body"},
    "tr": {"class": "govuk-table__row"},
    "th": {"class": "govuk-table__header", "scope": "col"},
    "td": {"class": "govuk-table__cell"},
}


def render_markdown(text: str) -> Markup:
    html = markdown.markdown(text, extensions=["tables"], output_format="html")
    clean = nh3.clean(html, link_rel=None, set_tag_attribute_values=GOVUK_CLASSES)
    return Markup(clean)  # noqa: S704 - sanitised by nh3 on the line above


def load_page(path: Path) -> Page:
    raw = path.read_text(encoding="utf-8")
    meta: dict = {}
    if raw.startswith("---\n"):
        header, raw = raw[4:].split("\n---\n", 1)
        meta = yaml.safe_load(header) or {}
    return Page(title=str(meta.get("title", path.stem)), html=render_markdown(raw))


def support_page() -> Page:
    cache = current_app.extensions.setdefault("courseapp.pages", {})
    if SUPPORT_FILE not in cache:
        cache[SUPPORT_FILE] = load_page(Path(current_app.config["CONTENT_DIR"]) / SUPPORT_FILE)
    return cache[SUPPORT_FILE]
