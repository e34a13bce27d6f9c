"""Who may use each blueprint, attached when the blueprint is registered (as Notify does).

Every blueprint is registered through ``register``, which installs its guard as the first
before-request function; ``tests/test_authz.py`` fails if a blueprint that is not in
``PUBLIC`` has none.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort
from flask_login import current_user

from ..enums import Role
from ..extensions import login_manager

# Blueprints anyone may reach: the landing page, the sign-in page, the panelists' links
# (the signed token is the credential), the public record, and the SMS provider's receipts
# (signed requests).
PUBLIC = frozenset({"main", "auth", "panelist", "public", "receipts"})


def require_roles(*roles: Role) -> Callable:
    """A guard that lets signed-in users with one of ``roles`` through."""

    def guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None

    guard.is_guard = True
    guard.roles = roles
    return guard


def public():
    """The guard of a public blueprint: lets everyone through."""
    return None


public.is_guard = True


def register(app, bp: Blueprint, guard: Callable) -> None:
    """Register ``bp`` with ``guard`` running before any of its views."""
    app.register_blueprint(bp)
    funcs = app.before_request_funcs.setdefault(bp.name, [])
    funcs.insert(0, guard)


def guard_of(app, name: str) -> Callable | None:
    """The guard of blueprint ``name``: its own, or a parent's for a nested one."""
    parts = name.split(".")
    for depth in range(len(parts), 0, -1):
        for func in app.before_request_funcs.get(".".join(parts[:depth]), []):
            if getattr(func, "is_guard", False):
                return func
    return None
