"""Extensions, created unbound and attached to an app in create_app."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from werkzeug.wrappers import Response

from courseapp.clock import UTCDateTime

# Named constraints so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
# Every `Mapped[datetime]` column keeps aware UTC times (see courseapp.clock).
db.Model.registry.update_type_annotation_map({datetime: UTCDateTime()})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def init_limiter(app: Flask) -> None:
    """Attach the limiter, without its check before every request. That check is for
    limits that cover every view (default, application and blueprint limits), and this
    app sets none: each limit here is on the view it throttles (limit_posts and the
    shared limits), and such a view checks its limits itself when it is called. The
    check found nothing to do on every other request, and cost a twentieth of a test
    page's work. (A disabled limiter adds no check.)"""
    limiter.init_app(app)
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:
        checks.remove(limiter._check_request_limit)


def client_address() -> str:
    return request.remote_addr or "unknown"


def moved_on(response: Response) -> bool:
    """A post that was accepted: it answers with a redirect to the next page. A refused
    one (a wrong password, an unknown join code, a form with errors) shows its page
    again, or not found."""
    return response.status_code in (301, 302, 303)


def refused(response: Response) -> bool:
    return not moved_on(response)


def limit_posts(setting: str, scope: str, key_func=client_address, counts=None):
    """Throttle a view's POSTs by the limit named in the `setting`, counted per
    `key_func` (the client's address unless given) in its own `scope`: every post, or
    only those `counts(response)` is true of (`refused`: failed attempts only, so that
    a room of people signing in from one address is not locked out by its successes)."""
    return limiter.limit(
        lambda: current_app.config[setting], methods=["POST"], key_func=key_func, scope=scope,
        deduct_when=counts,
    )  # fmt: skip
