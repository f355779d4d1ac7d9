"""Markdown to safe HTML, done once at load time.

Course text may link to the glossary, to other modules and to the support page
with short forms (`glossary:id`, `module:id#section`, `page:support`). They are
checked and turned into site URLs before rendering; the result is sanitised by
nh3 so that no script or style can reach a page through content.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from markdown.extensions.toc import slugify
from markupsafe import Markup, escape

EXTENSIONS = ["tables", "attr_list", "admonition", "footnotes", "sane_lists", "toc"]
EXTENSION_CONFIGS = {"toc": {"permalink": False}}

ADMONITIONS = {"case", "note", "practice", "reflect", "warning"}
CASE_PREFIX = "Fictional case"
# Advice the course adds from general safeguarding practice, not from its sources:
# always labelled as such (and listed in content/README.md).
PRACTICE_TITLE = "General safeguarding practice"

TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "div", "em", "h2", "h3", "h4", "hr", "li",
    "ol", "p", "pre", "strong", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "li": {"id"},
              "sup": {"id"}, "th": {"scope"}}  # fmt: skip
CLASSES = {
    "div": {"admonition", "footnote", *ADMONITIONS},
    "p": {"admonition-title"},
}

LINK = re.compile(
    r"\]\((?P<scheme>glossary|module|page):(?P<target>[^)#\s]*)(?:#(?P<anchor>[^)\s]*))?\)"
)
ADMONITION = re.compile(r'^!!! (?P<kind>\S+)(?: "(?P<title>[^"]*)")?\s*$')
INCLUDE = re.compile(r"^::include (?P<name>[\w.-]+)\s*$")
HEADING_OR_TABLE = re.compile(
    r"<h[2-4][^>]*>(?P<heading>.*?)</h[2-4]>"
    r"|(?:<p>Table: (?P<caption>[^<]*(?:<(?!/p>)[^<]*)*)</p>\s*)?<table>(?P<table>.*?)</table>",
    re.S,
)
TAG = re.compile(r"<[^>]+>")


def slug(text: str) -> str:
    return slugify(text, "-")


def to_html(text: str, title: str = "Table") -> Markup:
    """Render and sanitise one piece of Markdown. title names its tables that come
    before any heading: the piece's own heading, which its page shows above it."""
    html = markdown.markdown(
        text, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
    )
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        url_schemes={"https", "mailto", "tel"},
        link_rel=None,
    )
    return Markup(_scrollable_tables(clean, title))  # noqa: S704 - sanitised by nh3 above


def _scrollable_tables(html: str, title: str) -> str:
    """Put each table in a box that scrolls sideways on a narrow screen (as the
    templates' table macro does), named after the heading above it."""
    label = escape(title)

    def wrap(match: re.Match) -> str:
        nonlocal label
        if match["heading"] is not None:
            label = escape(unescape(TAG.sub("", match["heading"]).strip()) or "Table")
            return match.group(0)
        table = f"<table>{match['table']}</table>"
        region_label = label
        if match["caption"] is not None:
            # A "Table: ..." line above a table becomes its caption, and names its box.
            region_label = escape(unescape(TAG.sub("", match["caption"]).strip()))
            table = f"<table><caption>{match['caption'].strip()}</caption>{match['table']}</table>"
        return (
            f'<div class="app-table-scroll" role="region" aria-label="{region_label}" '
            f'tabindex="0">{table}</div>'
        )

    return HEADING_OR_TABLE.sub(wrap, html)


@dataclass(frozen=True)
class SourceLine:
    number: int  # line number in the file
    text: str


@dataclass(frozen=True)
class Section:
    title: str
    slug: str
    line: int
    lines: tuple[SourceLine, ...]

    @property
    def markdown(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def subheading_slugs(self) -> frozenset[str]:
        return frozenset(
            slug(line.text[4:].strip()) for line in self.lines if line.text.startswith("### ")
        )


def split_sections(lines: list[SourceLine]) -> tuple[list[SourceLine], list[Section]]:
    """Split a module body at its `## ` headings: the intro, then one section each."""
    intro: list[SourceLine] = []
    sections: list[Section] = []
    current: list[SourceLine] = intro
    fenced = False
    for line in lines:
        if line.text.startswith("```"):
            fenced = not fenced
        if not fenced and line.text.startswith("## "):
            title = line.text[3:].strip()
            current = []
            sections.append(Section(title, slug(title), line.number, current))  # type: ignore[arg-type]
            continue
        current.append(line)
    return intro, [Section(s.title, s.slug, s.line, tuple(s.lines)) for s in sections]


def check_admonitions(lines: list[SourceLine]) -> list[tuple[int, str]]:
    problems = []
    for line in lines:
        match = ADMONITION.match(line.text)
        if line.text.startswith("!!!") and not match:
            problems.append((line.number, 'a box must look like: !!! kind "Title"'))
        elif match and match["kind"] not in ADMONITIONS:
            problems.append((line.number, f"unknown box kind {match['kind']!r}; use one of "
                             + ", ".join(sorted(ADMONITIONS))))  # fmt: skip
        elif (
            match and match["kind"] == "case" and not (match["title"] or "").startswith(CASE_PREFIX)
        ):
            problems.append((line.number, f'a case box title must start with "{CASE_PREFIX}"'))
        elif match and match["kind"] == "practice" and match["title"] != PRACTICE_TITLE:
            problems.append((line.number, f'a practice box must be titled "{PRACTICE_TITLE}"'))
    return problems


LinkResolver = Callable[[str, str, str | None], str | None]


def rewrite_links(
    lines: list[SourceLine], resolve: LinkResolver
) -> tuple[list[SourceLine], list[tuple[int, str]]]:
    """Replace short links with URLs. resolve(scheme, target, anchor) returns a URL,
    or None when the target does not exist."""
    problems: list[tuple[int, str]] = []
    out = []
    for line in lines:

        def replace(match: re.Match, number: int = line.number) -> str:
            scheme, target, anchor = match["scheme"], match["target"], match["anchor"]
            url = resolve(scheme, target, anchor)
            if url is None:
                shown = f"{scheme}:{target}" + (f"#{anchor}" if anchor else "")
                problems.append((number, f"broken link {shown}"))
                return match.group(0)
            return f"]({url})"

        out.append(SourceLine(line.number, LINK.sub(replace, line.text)))
    return out, problems
