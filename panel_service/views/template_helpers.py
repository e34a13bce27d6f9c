"""Jinja filters and globals shared by every audience's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache

from ..enums import Role
from . import compiled_i18n, dates, labels
from .admin.forms import CATEGORY_LABELS
from .wording import chain_problem, reason

# The one menu of every signed-in page: each role's pages, its home first.
_APPEALS = [("staff.appeals", _l("Appeals")), ("staff.new_appeal", _l("Submit an appeal"))]
MENUS = {
    Role.STAFF: [("staff.index", _l("Home")), *_APPEALS],
    Role.DEPARTMENT: [
        ("department.index", _l("Home")),
        ("department.appeals", _l("Our department's appeals")),
        ("department.new_appeal", _l("Submit an appeal")),
    ],
    Role.ADMIN: [
        ("admin.home.index", _l("Home")),
        *_APPEALS,
        ("admin.users.index", _l("User management")),
        ("admin.roster.index", _l("Panelists")),
        ("admin.roster.import_file", _l("Import")),
        ("admin.rotation.index", _l("Rotation")),
        ("admin.health.index", _l("Health")),
        ("admin.stats.index", _l("Statistics")),
        ("admin.fairness.index", _l("Fairness")),
        ("admin.delivery.index", _l("Delivery")),
        ("admin.calendar.index", _l("Calendar")),
        ("admin.audit.index", _l("Audit trail")),
        ("public.pages.index", _l("Public record")),
    ],
}


def menu() -> list[tuple[str, str]]:
    """The signed-in user's menu: (endpoint, words), their home first."""
    if not current_user or not current_user.is_authenticated:
        return []
    return [(endpoint, str(words)) for endpoint, words in MENUS[Role(current_user.role)]]


def category_label(category) -> str:
    return str(CATEGORY_LABELS.get(str(category), category))


def init_app(app) -> None:
    # Compiled templates are kept on disk (a private directory under the system's temp
    # directory), so a gunicorn worker that max_requests replaced does not compile them again.
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    compiled_i18n.init_app(app)  # the hot pages' templates, translated once per locale
    app.add_template_global(dates.when, "when")
    app.add_template_global(dates.day, "day")
    app.add_template_global(dates.age, "age")
    app.add_template_global(dates.html_lang, "html_lang")
    app.add_template_global(menu, "menu")
    app.add_template_global(dates.deadline, "deadline")
    app.add_template_global(category_label, "category_label")
    app.add_template_global(labels.label, "label")
    app.add_template_global(labels.actor, "actor_label")
    app.add_template_filter(reason, "reason")
    app.add_template_filter(chain_problem, "chain_problem")
