from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from courseapp import catalogue
from courseapp.accounts.services import end_session
from courseapp.assessment import renewal
from courseapp.assessment.journey import journey
from courseapp.cohorts import members as cohort_members
from courseapp.content import services as content_services
from courseapp.database import writes_on_get
from courseapp.extensions import db
from courseapp.procedures import services as procedures
from courseapp.rewording import reviewing
from courseapp.rewording import services as rewording

bp = Blueprint("site", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("site/start.html")
    if current_user.is_admin or current_user.is_coordinator:
        return redirect(url_for("organisations.index"))
    journeys = [
        journey(current_user, pathway)
        for pathway in content_services.enrolled_pathways(current_user)
    ]
    return render_template(
        "site/learner_home.html",
        user=current_user,
        journeys=journeys,
        deadlines=cohort_members.deadlines(current_user),
        new_comments=reviewing.unread_notes(current_user),
        new_comment_exercises=rewording.exercises(),
        renewals=renewal.lapsed_for(current_user),
        currency=renewal.currency,
    )


@bp.get("/support")
def support():
    local = current_user.is_authenticated and bool(procedures.for_learner(current_user))
    return render_template("site/support.html", page=catalogue.course().support, local=local)


@bp.get("/exit")
@writes_on_get
def exit_page():
    """The "Exit this page" destination: end the session as signing out does (a copy
    of the cookie stops working too), then leave for a neutral site. Not limited to
    pages opened from this site: the person's safety comes first."""
    if current_user.is_authenticated:
        end_session(current_user._get_current_object())
    session.clear()
    response = redirect(current_app.config["EXIT_URL"])
    response.headers["Cache-Control"] = "no-store"
    # Also clears drafts kept in this browser, so nothing is left for the next person.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
