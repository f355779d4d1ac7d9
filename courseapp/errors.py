"""Error pages in the design system. No tracebacks leave the server outside debug."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from courseapp.extensions import db, login_manager
from courseapp.forms import stash_form_and_redirect
from courseapp.security import same_origin_request

PAGES = {
    400: ("There is a problem with what was sent", "errors/400.html"),
    403: ("You do not have access to this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Page not found", "errors/404.html"),
    413: ("What you sent is too large", "errors/413.html"),
    429: ("Too many attempts", "errors/429.html"),
    503: ("Sorry, the service is unavailable", "errors/503.html"),
}


CROSS_SITE_MESSAGE = (
    "This form was sent from another website, not from a page of this service, "
    "so it has not been accepted and nothing has been saved. "
    "If you meant to use this service, go to it directly."
)


def render_error(code: int, description: str | None = None):
    title, template = PAGES.get(
        code, ("Sorry, there is a problem with the service", "errors/500.html")
    )
    return render_template(template, title=title, description=description), code


def database_unavailable(error: OperationalError):
    """503 when the database cannot be reached or stays locked; logged, as every 503 is."""
    db.session.rollback()
    current_app.logger.error("Database unavailable: %s", error.orig or error)
    # Who is signed in cannot be looked up (or reloaded after the rollback)
    # either, and the page and its headers would ask: show it as to a visitor.
    g._login_user = login_manager.anonymous_user()
    return render_error(503)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        if same_origin_request():
            return stash_form_and_redirect()
        # Another site's form: keep none of it, and leave the session alone. The
        # browser did not send our cookie with it, so any cookie set now would
        # replace the one it holds and sign the person out.
        page = render_error(400, CROSS_SITE_MESSAGE)
        session.modified = False
        return page

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 503:
            current_app.logger.error("Service unavailable: %s", error.description)
        description = error.description if error.code == 400 else None
        return render_error(error.code, description)

    app.register_error_handler(OperationalError, database_unavailable)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        if app.debug:  # let the interactive debugger show it
            raise error
        app.logger.exception("Unhandled error", exc_info=error)
        return render_error(500)
