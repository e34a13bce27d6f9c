"""The administrators' pages: one blueprint per page group, under ``/admin``.

Each module holds one page group's views and its own blueprint; this package composes
them into ``bp``, which carries the admin guard when the factory registers it. Modules here
may import the domain, the helpers of ``views`` (``common``, ``wording``, ``labels``,
``dates``, ``audit_words``, ``period``) and ``.forms``; never each other.
"""

from __future__ import annotations

from flask import Blueprint

from ... import timeutil
from ...db import get_session
from ...panel import workdays
from . import (
    audit,
    calendar,
    delivery,
    fairness,
    health,
    home,
    roster,
    rotation,
    stats,
    users,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")
for page_group in (
    home, users, roster, rotation, health, stats, fairness, audit, delivery, calendar,
):  # fmt: skip
    bp.register_blueprint(page_group.bp)


@bp.context_processor
def calendar_coverage():
    """Every admin page says when deadlines are counted without the official calendar."""
    return {"calendar_coverage": workdays.coverage(session=get_session(), now=timeutil.now())}
