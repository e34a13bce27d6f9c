"""Blueprints, one per audience, each registered with its guard (see guards.py)."""

from __future__ import annotations

from ..enums import Role
from . import guards


def register(app) -> None:
    """Register every blueprint with the guard that decides who may use it."""
    from . import (  # noqa: F401 - the admin_* modules add the panel administration to admin.bp
        admin,
        admin_panel,
        admin_reports,
        admin_roster,
        admin_rotation,
        api,
        auth,
        department,
        main,
        panelist,
        panelist_files,
        receipts,
        staff,
        template_helpers,
    )
    from .appeal_pages import when

    app.add_template_global(when, "when")
    template_helpers.init_app(app)

    staff_or_admin = guards.require_roles(Role.STAFF, Role.ADMIN)
    guards.register(app, main.bp, guards.public)
    guards.register(app, auth.bp, guards.public)
    guards.register(app, panelist.bp, guards.public)
    guards.register(app, panelist_files.bp, guards.public)
    guards.register(app, receipts.bp, guards.public)
    guards.register(app, staff.bp, staff_or_admin)
    guards.register(app, department.bp, guards.require_roles(Role.DEPARTMENT))
    guards.register(app, admin.bp, guards.require_roles(Role.ADMIN))
    guards.register(app, api.bp, api.require_api_key)
