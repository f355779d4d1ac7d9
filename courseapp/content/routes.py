from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from courseapp import catalogue
from courseapp.access import login_required
from courseapp.assessment import journey
from courseapp.catalogue.course import Module, Pathway
from courseapp.content import services
from courseapp.content.editorial import describes_violence
from courseapp.content.forms import KnowledgeCheckForm, field_name
from courseapp.database import locks_before_writing
from courseapp.rewording.services import exercises_for_module
from courseapp.templating import kept_per_site_path

bp = Blueprint("content", __name__)
# `{% if text is describing_violence %}`: where a page (a rewording exercise's case)
# needs a content note, by the same words the content check uses for modules.
bp.add_app_template_test(describes_violence, "describing_violence")

CHECK = "check"


def _pages(module: Module) -> list[tuple[str | None, str]]:
    """The module's pages in reading order: (part slug or None for the overview, title)."""
    return (
        [(None, "Overview")]
        + [(p.slug, p.title) for p in module.parts]
        + [(CHECK, "Knowledge check")]
    )


def _page_url(module: Module, slug: str | None) -> str:
    if slug is None:
        return url_for(".module", module_id=module.id)
    if slug == CHECK:
        return url_for(".knowledge_check", module_id=module.id)
    return url_for(".part", module_id=module.id, part_slug=slug)


def _navigation(module: Module, pathway: Pathway, slug: str | None) -> dict:
    """Contents list and previous/next links for a page of a module: the same for
    everyone, so kept once built, by the path the site is served under."""
    return kept_per_site_path(
        "module_navigation",
        (module.id, pathway.id, slug),
        lambda: _build_navigation(module, pathway, slug),
    )


def _build_navigation(module: Module, pathway: Pathway, slug: str | None) -> dict:
    pages = _pages(module)
    index = [page for page, _ in pages].index(slug)
    before, after = pathway.neighbours(module.id)
    previous = (
        {"href": _page_url(module, pages[index - 1][0]), "labelText": pages[index - 1][1]}
        if index > 0
        else before and {"href": _page_url(before, None), "labelText": before.title}
    )
    following = (
        {"href": _page_url(module, pages[index + 1][0]), "labelText": pages[index + 1][1]}
        if index + 1 < len(pages)
        else after and {"href": _page_url(after, None), "labelText": after.title}
    )
    contents = [
        {"href": _page_url(module, page), "text": title, "current": page == slug}
        for page, title in pages
    ]
    return {"pathway": pathway, "contents": contents, "previous": previous, "next": following}


@bp.get("/pathways")
@login_required
def pathways():
    return render_template("content/pathways.html", pathways=catalogue.course().pathways.values())


@bp.get("/pathways/<pathway_id>")
@login_required
def pathway(pathway_id: str):
    pathway = catalogue.pathway_or_404(pathway_id)
    steps = journey.journey(current_user, pathway)
    return render_template("content/pathway.html", journey=steps, page_url=_page_url)


def module_unlocked(view: Callable) -> Callable:
    """The pre-test lock, for every page of a module: the view gets the module and the
    pathway it is read in, if this learner may read it yet; otherwise the learner goes
    back to the pathway's overview with the reason."""

    @wraps(view)
    def wrapped(module_id: str, **kwargs):
        module = catalogue.module_or_404(module_id)
        pathway = services.pathway_for(current_user, module)
        reason = journey.modules_locked_reason(current_user, pathway, module)
        if reason:
            flash(f"{reason}.", "important")
            return redirect(url_for(".pathway", pathway_id=pathway.id))
        return view(module, pathway, **kwargs)

    return wrapped


@bp.get("/modules/<module_id>")
@login_required
@module_unlocked
@locks_before_writing
def module(module: Module, pathway: Pathway):
    services.record_reading(current_user, module, None)
    return render_template(
        "content/module.html",
        module=module,
        exercises=exercises_for_module(module.id),
        **_navigation(module, pathway, None),
    )


@bp.get("/modules/<module_id>/<part_slug>")
@login_required
@module_unlocked
@locks_before_writing
def part(module: Module, pathway: Pathway, part_slug: str):
    part = module.part(part_slug)
    if part is None:
        return render_template("errors/404.html", title="Page not found"), 404
    services.record_reading(current_user, module, part.slug)
    nav = _navigation(module, pathway, part.slug)
    return render_template("content/part.html", module=module, part=part, **nav)


@bp.route("/modules/<module_id>/check", methods=["GET", "POST"])
@login_required
@module_unlocked
def knowledge_check(module: Module, pathway: Pathway):
    check = catalogue.course().checks[module.meta.knowledge_check]
    form = KnowledgeCheckForm()
    answers, unanswered, results, reading_left = form.kept_answers(check), [], None, None
    if form.validate_on_submit():
        answers, unanswered = form.answers(check)
        if not unanswered:
            marked = services.mark_check(check, answers)
            results = {r.question_id: r for r in marked}
            reading_left = services.record_check(current_user, module, marked)
    progress = services.progress_by_module(current_user).get(module.id)
    unread = [p for p in module.parts if p.slug not in services.visited_parts(current_user, module)]
    return render_template(
        "content/check.html",
        module=module,
        check=check,
        form=form,
        answers=answers,
        unanswered=unanswered,
        results=results,
        reading_minutes_left=math.ceil(reading_left.total_seconds() / 60) if reading_left else 0,
        complete=progress is not None and progress.completed,
        unread=unread,
        field_name=field_name,
        exercises=exercises_for_module(module.id),
        **_navigation(module, pathway, CHECK),
    )


@bp.get("/modules/<module_id>/print")
@login_required
@module_unlocked
def printable(module: Module, _pathway: Pathway):
    return render_template("content/print.html", module=module)


@bp.get("/modules/<module_id>/summary")
@login_required
def summary(module_id: str):
    """The module's one-page summary, made to be printed."""
    module = catalogue.module_or_404(module_id)
    return render_template("content/summary.html", module=module)


@bp.get("/glossary")
def glossary():
    loaded = catalogue.course()
    terms = sorted(loaded.glossary.values(), key=lambda term: term.term.lower())
    return render_template("content/glossary.html", terms=terms, html=loaded.glossary_html)
