"""The administrator's home."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Send administrators to user management."""
    return redirect(url_for("admin.users.index"))
