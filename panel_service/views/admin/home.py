"""The administrator's home: what needs an administrator now, each with its page."""

from __future__ import annotations

from flask import Blueprint, render_template

from ... import timeutil
from ...db import get_session
from ...reports.attention import admin_attention
from ..common import rules

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Show what needs an administrator now: stalls, late seats, failing numbers, the
    outbox, terms ending and pools too small."""
    now = timeutil.now()
    attention = admin_attention(session=get_session(), rules=rules(), now=now)
    return render_template("admin/home.html", attention=attention, now=now)
