from __future__ import annotations

from flask import Blueprint, render_template

from courseapp.access import admin_required
from courseapp.audit import services

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@admin_required
def log():
    return render_template("audit/log.html", events=services.recent())
