from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from courseapp.access import coordinator_required, get_in_scope_or_404, login_required
from courseapp.catalogue.items import TAG_LABELS
from courseapp.database import locks_before_writing, may_write
from courseapp.forms import options
from courseapp.organisations.services import organisations_in_scope
from courseapp.rewording import reviewing, services
from courseapp.rewording.forms import QueueFilterForm, ReviewForm, RewordingForm, SelfRatingForm
from courseapp.rewording.models import Response, ReviewMark, SelfRating
from courseapp.rewording.privacy import personal_details

bp = Blueprint("rewording", __name__)
VERDICT_CHOICES = ("constructive", "needs_work")


@bp.get("/practice")
@login_required
def practice():
    return render_template(
        "rewording/practice.html",
        exercises=services.exercises_for(current_user),
        latest=services.latest_by_exercise(current_user),
        tag_labels=TAG_LABELS,
    )


def _exercise_page(exercise, form, privacy=(), rating_form=None):
    versions = services.history(current_user, exercise)
    latest = versions[-1] if versions else None
    return render_template(
        "rewording/exercise.html",
        exercise=exercise,
        form=form,
        privacy=privacy,
        versions=versions,
        latest=latest,
        feedback=services.stored_feedback(latest) if latest else None,
        shows_model_answers=services.shows_model_answers(versions),
        rating_form=rating_form
        or SelfRatingForm(formdata=None, rating=latest.self_rating if latest else None),
        tag_labels=TAG_LABELS,
    )


@bp.route("/practice/<exercise_id>", methods=["GET", "POST"])
@login_required
@locks_before_writing  # the coordinator's comments shown here are marked as read
def exercise(exercise_id: str):
    exercise = services.exercise_or_404(exercise_id)
    if may_write():
        reviewing.mark_notes_read(current_user, exercise)
    form = RewordingForm()
    if form.validate_on_submit():
        found = personal_details(form.text.data)
        if found and not form.fictional.data:
            return _exercise_page(exercise, form, privacy=found)
        services.submit(current_user, exercise, form.text.data)
        return redirect(url_for(".exercise", exercise_id=exercise.id, _anchor="feedback"), 303)
    if request.method == "GET" and not form.text.data:
        latest = services.history(current_user, exercise)
        form.text.data = latest[-1].text if latest else ""
    return _exercise_page(exercise, form)


@bp.post("/practice/<exercise_id>/rating")
@login_required
def rate(exercise_id: str):
    exercise = services.exercise_or_404(exercise_id)
    versions = services.history(current_user, exercise)
    form = SelfRatingForm()
    # The rating compares a version with the model answers: only once they are shown.
    if not services.shows_model_answers(versions):
        return redirect(url_for(".exercise", exercise_id=exercise.id), 303)
    if not form.validate_on_submit():
        return _exercise_page(exercise, RewordingForm(formdata=None), rating_form=form)
    services.rate(versions[-1], SelfRating(form.rating.data))
    flash("Your rating has been saved.", "success")
    return redirect(url_for(".exercise", exercise_id=exercise.id), 303)


@bp.get("/review")
@coordinator_required
def queue():
    form = QueueFilterForm(request.args)
    orgs = organisations_in_scope(current_user)
    form.exercise.choices = options(
        "All exercises", ((e.id, e.title) for e in services.exercises().values())
    )
    form.team.choices = options(
        "All teams", ((t.id, f"{t.name} ({o.name})") for o in orgs for t in o.teams)
    )
    form.validate()  # a field with an error is shown with its message and not applied

    def valid(field):
        return field.data if field.data and not field.errors else None

    filters = reviewing.QueueFilters(
        exercise_id=valid(form.exercise),
        team_id=int(form.team.data) if valid(form.team) else None,
        since=valid(form.since),
        until=valid(form.until),
        reviewed=valid(form.reviewed),
        verdict=valid(form.verdict),
    )
    page = request.args.get("page", 1, type=int)
    return render_template(
        "rewording/queue.html",
        form=form,
        queue=reviewing.review_queue(current_user, filters, page),
        exercises=services.exercises(),
        current_mark=reviewing.current_mark,
        page_url=partial(_page_url, form),
    )


def _page_url(form: QueueFilterForm, number: int) -> str:
    """The queue's address with the same filters, on another page. Only the filters are
    passed on: anything else (`_external`) would steer url_for."""
    kept = {field.name for field in form if field.type != "SubmitField"}
    args = {key: values for key, values in request.args.lists() if key in kept}
    return url_for(".queue", **args, page=number)


@bp.route("/review/<int:response_id>", methods=["GET", "POST"])
@coordinator_required
def review(response_id: int):
    response = get_in_scope_or_404(Response, response_id, via="user")
    exercise = services.exercise_or_404(response.exercise_id)
    form = ReviewForm()
    if form.validate_on_submit():
        mark = None if form.mark.data == "none" else ReviewMark(form.mark.data)
        verdict = form.verdict.data if form.verdict.data in VERDICT_CHOICES else None
        reviewing.add_note(response, current_user, mark, form.comment.data or "", verdict)
        flash("Your review has been saved. The learner can see your comment.", "success")
        return redirect(url_for(".queue"), 303)
    return render_template(
        "rewording/review.html",
        response=response,
        exercise=exercise,
        versions=services.history(response.user, exercise),
        form=form,
        current_mark=reviewing.current_mark(response),
    )
