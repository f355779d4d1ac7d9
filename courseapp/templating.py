"""Parts of pages that are the same on every request, rendered once.

`fragment(template, **values)` renders a template with those values the first time it
is asked for them, and gives the same HTML after that. So a fragment's template must use
nothing but its values, url_for and config (which do not change while the app runs):
not the signed-in user, the request, the session or a CSRF token. Where a fragment needs
one of those, it leaves a placeholder for the page to fill in.

The frame around every page (the GOV.UK page template with our head, header, footer and
scripts) is kept in the same way, once for each kind of person and section of the site
(`page_frame`), so that a page draws only its own title and content.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

import jinja2
from flask import Flask, current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from courseapp.clock import local
from courseapp.links import external_url

# Stands in for the session's CSRF token in a cached fragment; the page puts it in.
CSRF_PLACEHOLDER = "__csrf_token__"

T = TypeVar("T")


def kept_per_site_path(store: str, key: Hashable, build: Callable[[], T]) -> T:
    """What `build()` gives, built once and kept in the app's `store` by `key` and the
    path the site is served under: for links (built with url_for) that are the same for
    everyone, such as static files' addresses and a module's contents."""
    kept = current_app.extensions.setdefault(store, {})
    full_key = (request.script_root, key)
    if full_key not in kept:
        kept[full_key] = build()
    return kept[full_key]


@dataclass(frozen=True)
class Frame:
    """A page around its own title and content, cut where the page's parts go: `head`
    up to the title, `body` from the title to the script nonce, `header` from the nonce
    to the content, `end` after the content."""

    head: Markup
    body: Markup
    header: Markup
    end: Markup


# Sections of the site whose pages all mark the same item of the header's menu.
SECTIONS = frozenset({"organisations", "content", "reports", "rewording", "audit"})


def page_frame() -> Frame:
    """`{{ page_frame() }}`: the frame of this request's page (fragments/frame.html),
    for the kind of person signed in and the section they are in, drawn once for each
    and kept, with this session's CSRF token in its sign-out form."""
    if not current_user.is_authenticated:
        kind = "anonymous"
    elif current_user.is_admin:
        kind = "admin"
    elif current_user.is_coordinator:
        kind = "coordinator"
    else:
        kind = "learner"
    section = request.blueprint if request.blueprint in SECTIONS else request.endpoint
    frame = kept_per_site_path("page_frames", (kind, section), lambda: _draw_frame(kind, section))
    if kind == "anonymous":
        return frame
    return replace(frame, header=frame.header.replace(CSRF_PLACEHOLDER, generate_csrf()))


def _draw_frame(kind: str, section: str | None) -> Frame:
    """The frame drawn with a mark where each of the page's parts goes, cut at them."""
    marks = {name: Markup(f"\x00{name}\x00") for name in ("title", "nonce", "content")}  # noqa: S704
    html = Markup(  # noqa: S704 - a template's own output
        current_app.jinja_env.get_template("fragments/frame.html").render(
            kind=kind, section=section, marks=marks, service_name=current_app.config["SERVICE_NAME"]
        )
    )
    parts = []
    for mark in marks.values():
        before, found, html = html.partition(mark)
        if not found or mark in html:
            raise ValueError(f"the page frame must hold {mark!r} once")
        parts.append(before)
    return Frame(*parts, html)


# How `local_time` writes a moment: the day, or the day and the time on the clock.
TIME_FORMATS = {
    "date": "%-d %B %Y",
    "short_date": "%-d %b %Y",
    "date_time": "%-d %B %Y at %H:%M",
    "short_date_time": "%-d %b %Y %H:%M",
    "time": "%H:%M",
}


def local_time(moment: datetime | None, where: object = None, style: str = "date") -> str:
    """`{{ certificate.issued_at | local_time(learner.organisation) }}`: a stored UTC
    moment as the date (and time) in an organisation's zone. `where` is an
    organisation, a zone name, or None for the default zone. The one way pages
    show times."""
    if moment is None:
        return ""
    zone_name = where if isinstance(where, str) or where is None else where.timezone
    return local(moment, zone_name).strftime(TIME_FORMATS[style])


def time_taken(seconds: float) -> str:
    """`{{ seconds | time_taken }}`: how long something took, as "3 days", "1 hour 5
    minutes", "12 minutes" or "40 seconds" (rounded down)."""
    seconds = max(0, int(seconds))
    if seconds >= 86400:
        days = seconds // 86400
        return f"{days} day{'s' * (days != 1)}"
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    if not hours and not minutes:
        return f"{seconds} second{'s' * (seconds != 1)}"
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    if minutes:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts)


class Template(jinja2.Template):
    """Jinja's template, with imports made cheap. The GOV.UK components import other
    macros every time they are called (dozens of times on a test page), and each import
    first checks whether the importing page has globals the imported template lacks:
    a set difference against a chain of dictionaries, a Python-level lookup per global.
    A template's global names are fixed once the app is set up, so they are noted the
    first time and the check becomes one set comparison; when the page has any global
    the template lacks, Jinja's own way is taken."""

    _global_names: frozenset[str] | None = None

    def _get_default_module(self, ctx: jinja2.runtime.Context | None = None):
        if ctx is not None:
            if self._global_names is None:
                self._global_names = frozenset(self.globals)
            if ctx.globals_keys <= self._global_names:
                ctx = None  # nothing to pass in: the module kept for every import
        return super()._get_default_module(ctx)


# The GOV.UK components most pages use, as template globals (govukButton and so on):
# imported once here, where each page would import them on every request.
PAGE_COMPONENTS = ("notification-banner", "error-summary", "button", "summary-list", "table",
                   "inset-text", "warning-text", "back-link", "panel")  # fmt: skip


def init_app(app: Flask) -> None:
    app.jinja_env.template_class = Template
    for component in PAGE_COMPONENTS:
        name = "govuk" + component.title().replace("-", "")
        path = f"govuk_frontend_jinja/components/{component}/macro.html"
        app.jinja_env.globals[name] = getattr(app.jinja_env.get_template(path).module, name)
    rendered: dict[tuple, Markup] = {}

    def fragment(template: str, **values: Hashable) -> Markup:
        key = (template, *sorted(values.items()))
        if key not in rendered:
            page = app.jinja_env.get_template(template)
            rendered[key] = Markup(page.render(values))  # noqa: S704 - a template's own output
        return rendered[key]

    app.jinja_env.globals.update(
        fragment=fragment,
        csrf_placeholder=CSRF_PLACEHOLDER,
        external_url=external_url,
        page_frame=page_frame,
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["time_taken"] = time_taken
