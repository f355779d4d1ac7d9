"""Who may do what: role decorators and the one scoped loader every view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user, login_required

from courseapp.accounts.models import Role
from courseapp.extensions import db

T = TypeVar("T")

__all__ = ["admin_required", "coordinator_required", "get_in_scope_or_404", "login_required"]


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


def get_in_scope_or_404(model: type[T], object_id: int) -> T:
    """Load an object that belongs to an organisation, or 404.

    Objects outside the current user's organisations are reported as not found,
    not forbidden, so their existence is not revealed.
    """
    obj = db.session.get(model, object_id)
    if obj is None or not current_user.can_manage(obj.organisation_id):
        abort(404)
    return obj
