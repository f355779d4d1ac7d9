from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from courseapp.access import (
    Own,
    coordinator_required,
    get_in_scope_or_404,
    get_own_or_404,
    loaded_with_user,
    login_required,
)
from courseapp.accounts.forms import ConfirmForm
from courseapp.accounts.models import User
from courseapp.assessment import attempts as service
from courseapp.assessment import follow_up, grants, journey, renewal, scores
from courseapp.assessment.certificates import certificate_pdf, find_certificate
from courseapp.assessment.drawing import draw_question
from courseapp.assessment.forms import UNANSWERED_ERROR, GrantAttemptForm, SubmitTestForm
from courseapp.assessment.models import Phase, TestAttempt
from courseapp.catalogue import course, pathway_or_404
from courseapp.catalogue.items import TAG_LABELS
from courseapp.catalogue.kinds import PARTIAL_CREDIT_RULE, Tampered
from courseapp.certificates.routes import code_check_limit
from courseapp.downloads import attachment
from courseapp.forms import TAMPERED_MESSAGE, take_stash

bp = Blueprint("assessment", __name__)
bp.add_app_template_global(grants.USED_UP_MESSAGE, "used_up_message")
bp.add_app_template_global(grants.out_of_attempts)
bp.add_app_template_global(grants.used_up, "post_attempts_used_up")
bp.add_app_template_global(follow_up.open_invitations, "open_follow_ups")
bp.add_app_template_global(draw_question)
bp.add_app_template_global(scores.shown_percent)


def _phase(value: str) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        abort(404)


def _own_attempt(attempt_id: int, *groups: str, lock: bool = False) -> TestAttempt:
    """The attempt with its item and option orders, which every page of it uses, and
    any other deferred column groups named."""
    return get_own_or_404(TestAttempt, attempt_id, "order", *groups, lock=lock)


def _page_attempt() -> Own:
    """The attempt page() loads: to save answers, locked until they are saved, so that no
    submission comes in between; to show the page, with its saved answers."""
    if request.method == "POST":
        return Own(TestAttempt, request.view_args["attempt_id"], ("order",), lock=True)
    return _attempt_with_answers()


def _attempt_with_answers() -> Own:
    """The attempt with its saved answers: as a test page shows it, and as the check page
    and a submission read it (whether any question is left to answer or to confirm)."""
    return Own(TestAttempt, request.view_args["attempt_id"], ("order", "answers"))


@bp.route("/pathways/<pathway_id>/tests/<phase>", methods=["GET", "POST"])
@login_required
def start(pathway_id: str, phase: str):
    pathway, phase = pathway_or_404(pathway_id), _phase(phase)
    every = service.attempts(current_user, pathway, phase)
    test = service.test_for(current_user, pathway, phase, service.next_number(every)) or abort(404)
    locked = journey.post_test_locked_reason(current_user, pathway) if phase is Phase.POST else None
    form = ConfirmForm()
    if form.validate_on_submit() and not locked:
        try:
            attempt = service.start_or_resume(current_user, pathway, phase, every)
        except service.AttemptError as error:
            flash(str(error), "important")
            return redirect(url_for(".start", pathway_id=pathway.id, phase=phase.value))
        return redirect(url_for(".page", attempt_id=attempt.id, number=1))
    taken = service.round_attempts(current_user, pathway, phase, every)
    return render_template(
        "assessment/start.html",
        pathway=pathway,
        phase=phase,
        test=test,
        taken=taken,
        allowed=service.attempts_allowed(phase, current_user, pathway),
        locked=locked,
        form=form,
    )


@bp.route("/attempts/<int:attempt_id>/pages/<int:number>", methods=["GET", "POST"])
@loaded_with_user(_page_attempt)
@login_required
def page(attempt_id: int, number: int):
    own = _page_attempt()
    attempt = get_own_or_404(own.model, own.id, *own.groups, lock=own.lock)
    if request.method == "POST":
        service.hold_open(attempt)
    if attempt.submitted:
        return redirect(url_for(".results", attempt_id=attempt.id))
    pages = service.pages(attempt)
    if not 1 <= number <= len(pages):
        abort(404)
    entries = pages[number - 1]
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            parsed = service.parse_page(entries, request.form)
        except Tampered:
            abort(400, TAMPERED_MESSAGE)
        service.save_answers(attempt, parsed)
        if request.headers.get("X-Autosave"):
            return Response(status=204)
        if request.form.get("action") == "back" and number > 1:
            return redirect(url_for(".page", attempt_id=attempt.id, number=number - 1))
        if number < len(pages):
            return redirect(url_for(".page", attempt_id=attempt.id, number=number + 1))
        return redirect(url_for(".check", attempt_id=attempt.id))
    entries_with_inputs = service.page_inputs(attempt, entries, take_stash(request.path))
    return render_template(
        "assessment/page.html",
        attempt=attempt,
        pathway=pathway_or_404(attempt.pathway_id),
        entries=entries_with_inputs,
        number=number,
        pages=len(pages),
        first_item_number=sum(len(p) for p in pages[: number - 1] if not service.is_rating(p[0])),
        form=form,
    )


def _check_page(attempt: TestAttempt, form: SubmitTestForm, early: bool = False):
    """The check page; `early`: the learner tried to submit a post-test before its
    least time (attempts.submit_from)."""
    answers = service.saved_answers(attempt)
    rows = [
        (number, entry, service.answer_status(entry, answers))
        for number, page in enumerate(service.pages(attempt), start=1)
        for entry in page
    ]
    unanswered = sum(status == "Not answered" for _, _, status in rows)
    to_answer = service.questions_to_answer(attempt, answers)
    first_to_answer = next(
        (n for n, e, status in rows if status != "Answered" and not service.is_rating(e)), None
    )
    return render_template(
        "assessment/check.html",
        attempt=attempt,
        pathway=pathway_or_404(attempt.pathway_id),
        rows=rows,
        unanswered=unanswered,
        to_answer=to_answer,
        first_to_answer=first_to_answer,
        confirm=unanswered > 0,
        too_fast=service.pre_test_too_fast(attempt),
        submit_from=service.submit_from(attempt),
        early=early,
        form=form,
        is_rating=service.is_rating,
    )


@bp.get("/attempts/<int:attempt_id>/check")
@loaded_with_user(_attempt_with_answers)
@login_required
def check(attempt_id: int):
    attempt = _own_attempt(attempt_id, "answers")
    if attempt.submitted:
        return redirect(url_for(".results", attempt_id=attempt.id))
    return _check_page(attempt, SubmitTestForm())


@bp.post("/attempts/<int:attempt_id>/submit")
@loaded_with_user(_attempt_with_answers)
@login_required
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id, "answers")
    form = SubmitTestForm()
    if form.validate_on_submit():
        if not attempt.submitted and service.questions_to_answer(attempt):
            return _check_page(attempt, form)  # which says what is left to answer
        if service.submit_from(attempt):
            return _check_page(attempt, form, early=True)  # which says from when
        unconfirmed = not attempt.submitted and not form.confirm_unanswered.data
        if unconfirmed and service.needs_confirmation(attempt):
            form.confirm_unanswered.errors = [UNANSWERED_ERROR]
            return _check_page(attempt, form)
        pathway = pathway_or_404(attempt.pathway_id)
        if service.submit(attempt, pathway.definition.pass_mark):
            journey.award_certificate(current_user, pathway, attempt)
    return redirect(url_for(".results", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>/results")
@login_required
def results(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not attempt.submitted:
        return redirect(url_for(".check", attempt_id=attempt.id))
    pathway = pathway_or_404(attempt.pathway_id)
    context = {"attempt": attempt, "pathway": pathway}
    if attempt.phase is Phase.FOLLOW_UP:
        context |= _follow_up_results(attempt, pathway)
    if attempt.phase is Phase.POST:
        post_tags = scores.tag_scores(attempt)
        shown = scores.shows_answers(attempt)
        context |= {
            "post_tags": post_tags,
            "tag_labels": TAG_LABELS,
            "review": scores.review(attempt) if shown else None,
            "revisit": None if shown else scores.modules_to_revisit(pathway, post_tags),
            "partial_credit_rule": PARTIAL_CREDIT_RULE,
            "attempts_left": service.attempts_allowed(Phase.POST, current_user, pathway)
            - len(service.round_attempts(current_user, pathway, Phase.POST)),
            "certificate": journey.certificate_for(current_user, pathway),
            "form": ConfirmForm(),
        }
    return render_template("assessment/results.html", **context)


def _follow_up_results(attempt: TestAttempt, pathway) -> dict:
    """The follow-up test's score by area beside the pre- and post-test's, and the
    feedback on each question."""
    pre, post = scores.reporting_attempts(current_user, pathway)
    return {
        "pre_tags": scores.tag_scores(pre) if pre else {},
        "post_tags": scores.tag_scores(post) if post else {},
        "follow_up_tags": scores.tag_scores(attempt),
        "tag_labels": TAG_LABELS,
        "review": scores.review(attempt),
        "partial_credit_rule": PARTIAL_CREDIT_RULE,
    }


@bp.route("/learners/<int:user_id>/pathways/<pathway_id>/extra-attempt", methods=["GET", "POST"])
@coordinator_required
def grant_attempt(user_id: int, pathway_id: str):
    person = get_in_scope_or_404(User, user_id)
    pathway = pathway_or_404(pathway_id)
    if not service.has_tests(pathway) or not journey.is_enrolled(person, pathway):
        abort(404)
    form = GrantAttemptForm()
    if form.validate_on_submit():
        try:
            grants.grant(current_user, person, pathway, form.reason.data)
        except grants.GrantError as error:
            flash(str(error), "important")
        else:
            flash(f"{person.name} can now take the post-test again.", "success")
        return redirect(url_for("reports.learner", user_id=person.id), 303)
    return render_template(
        "assessment/grant.html",
        person=person,
        pathway=pathway,
        form=form,
        used_up=grants.used_up(person, pathway),
        given=grants.grants(person, pathway),
    )


@bp.get("/pathways/<pathway_id>/certificate")
@login_required
def certificate(pathway_id: str):
    pathway = pathway_or_404(pathway_id)
    awarded = renewal.latest_certificate(current_user, pathway.id) or abort(404)
    return render_template(
        "assessment/certificate.html", certificate=awarded, pathway=pathway,
        learner=current_user, expired=renewal.expired(awarded),
    )  # fmt: skip


@bp.get("/pathways/<pathway_id>/certificate.pdf")
@login_required
def certificate_download(pathway_id: str):
    pathway = pathway_or_404(pathway_id)
    awarded = renewal.latest_certificate(current_user, pathway.id) or abort(404)
    pdf = certificate_pdf(awarded, pathway, current_user)
    filename = f"certificate-{pathway.id}-{awarded.code}.pdf"
    return attachment(pdf, filename, "application/pdf")


@bp.get("/certificates/<code>")
@code_check_limit()
def verify(code: str):
    found = find_certificate(code)
    title = course().pathways[found.pathway_id].title if found else None
    page = render_template(
        "assessment/verify.html", found=found, code=code, pathway_title=title,
        expired=bool(found) and renewal.expired(found),
    )  # fmt: skip
    return page, 200 if found else 404
