"""Jinja filters and globals shared by every audience's pages."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import get_locale

from .. import timeutil
from .admin.forms import CATEGORY_LABELS
from .appeal_pages import deadline, when
from .wording import chain_problem, reason


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware UTC time as text in the display time zone."""
    if value is None:
        return ""
    return timeutil.localize(value, current_app.config["PANEL_TIMEZONE"]).strftime(fmt)


def category_label(category) -> str:
    return str(CATEGORY_LABELS.get(str(category), category))


def init_app(app) -> None:
    app.add_template_global(when, "when")
    app.add_template_global(deadline, "deadline")
    app.add_template_filter(localtime, "localtime")
    app.add_template_global(category_label, "category_label")
    app.add_template_filter(reason, "reason")
    app.add_template_filter(chain_problem, "chain_problem")
    app.add_template_global(get_locale, "get_locale")  # for <html lang> in base.html
