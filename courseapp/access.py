"""Who may do what: role decorators and the one scoped loader every view uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort, current_app, g, has_request_context, request
from flask_login import current_user, login_required
from sqlalchemy.orm import Load, undefer_group

from courseapp.accounts.models import Role, User
from courseapp.extensions import db

T = TypeVar("T")

__all__ = [
    "admin_required",
    "coordinator_required",
    "get_child_or_404",
    "get_in_scope_or_404",
    "get_own_or_404",
    "loaded_with_user",
    "login_required",
    "signed_in_user",
]


def role_required(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


coordinator_required = role_required(Role.COORDINATOR, Role.ADMIN)
admin_required = role_required(Role.ADMIN)


def get_in_scope_or_404(model: type[T], object_id: int, via: str | None = None) -> T:
    """Load an object that belongs to an organisation, or 404. `via` names the
    relationship through which it belongs to one (a rewording, through its learner).

    Objects outside the current user's organisations are reported as not found,
    not forbidden, so their existence is not revealed.
    """
    obj = db.session.get(model, object_id)
    holder = getattr(obj, via) if obj is not None and via else obj
    if obj is None or not current_user.can_manage(holder.organisation_id):
        abort(404)
    return obj


def get_child_or_404(model: type[T], object_id: int, parent, key: str) -> T:
    """Load an object that belongs to `parent` (itself loaded in scope), or 404: `key`
    is the object's column holding the parent's id."""
    obj = db.session.get(model, object_id)
    if obj is None or getattr(obj, key) != parent.id:
        abort(404)
    return obj


def get_own_or_404(model: type[T], object_id: int, *groups: str, lock: bool = False) -> T:
    """Load one of the signed-in person's own records, or 404 for anyone else's.
    `groups` name deferred column groups to load with it. With `lock`, its row is read
    FOR SHARE on PostgreSQL, so that no other transaction can change it until this one
    ends (on SQLite a request that writes holds the database's write lock throughout).
    A record the view declared with loaded_with_user was read with the person."""
    read_with_user = g.get(_READ_WITH_USER)
    if read_with_user is not None and read_with_user[0] == Own(model, object_id, groups, lock):
        return read_with_user[1]
    statement = _own(model, groups, lock)
    obj = db.session.scalar(statement, {"id": object_id, "user_id": current_user.id})
    return obj if obj is not None else abort(404)


@dataclass(frozen=True)
class Own:
    """One of the signed-in person's own records, as get_own_or_404 is asked for it."""

    model: type
    id: int
    groups: tuple[str, ...] = ()
    lock: bool = False


_READ_WITH_USER = "courseapp_read_with_user"


def loaded_with_user(record: Callable[[], Own]) -> Callable:
    """Declare that a view (under its route decorator) shows one of the signed-in
    person's own records, the one `record()` names for the request: the person and that
    record are then read in one statement (signed_in_user), and get_own_or_404 asked for
    the same record finds it there. Every learner taking a test asks for a test page or
    saves one every few seconds: this is one statement fewer on each."""

    def decorator(view: Callable) -> Callable:
        view.own_record = record
        return view

    return decorator


def signed_in_user(token: str) -> User | None:
    """The active account signed in with this session token (the login manager's user
    loader), read together with the view's own record where it declares one
    (loaded_with_user). When the record is not theirs, or not found, the person is read
    alone and get_own_or_404 answers for the record."""
    view = current_app.view_functions.get(request.endpoint or "") if has_request_context() else None
    record = getattr(view, "own_record", None)
    if record is not None:
        own = record()
        row = db.session.execute(
            _with_user(own.model, own.groups, own.lock), {"token": token, "id": own.id}
        ).first()
        if row is not None:
            g.setdefault(_READ_WITH_USER, (own, row[1]))
            return row[0]
    return db.session.scalar(_SIGNED_IN, {"token": token})


# Built once: every request runs it, and a built statement keeps its cache key.
_SIGNED_IN_AS = (User.session_token == sa.bindparam("token"), User.active)
_SIGNED_IN = sa.select(User).where(*_SIGNED_IN_AS)


@cache
def _with_user(model: type, groups: tuple[str, ...], lock: bool) -> sa.Select:
    statement = (
        sa.select(User, model)
        .join(model, model.user_id == User.id)
        .options(*(Load(model).undefer_group(group) for group in groups))
        .where(*_SIGNED_IN_AS, model.id == sa.bindparam("id"))
    )
    return statement.with_for_update(read=True, of=model) if lock else statement


@cache
def _own(model: type, groups: tuple[str, ...], lock: bool) -> sa.Select:
    """Built once per model, groups and lock: test pages load their attempt on every
    request, and a built statement keeps its cache key."""
    statement = (
        sa.select(model)
        .options(*(undefer_group(group) for group in groups))
        .where(model.id == sa.bindparam("id"), model.user_id == sa.bindparam("user_id"))
    )
    return statement.with_for_update(read=True) if lock else statement
