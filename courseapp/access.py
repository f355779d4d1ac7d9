"""Who may do what: role decorators and the one scoped loader every view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required
from sqlalchemy.orm import undefer_group

from courseapp.accounts.models import Role
from courseapp.extensions import db

T = TypeVar("T")

__all__ = [
    "admin_required",
    "coordinator_required",
    "get_child_or_404",
    "get_in_scope_or_404",
    "get_own_or_404",
    "login_required",
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
    ends (on SQLite a request that writes holds the database's write lock throughout)."""
    statement = _own(model, groups, lock)
    obj = db.session.scalar(statement, {"id": object_id, "user_id": current_user.id})
    return obj if obj is not None else abort(404)


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
