"""The web layer: one blueprint (or package of blueprints) per audience, each registered by
``register`` with its guard (guards.py), its CSRF rule and its rate limits.

Audiences: ``main`` (landing page, health), ``auth`` (sign-in), ``panelist`` (the SMS link
pages), ``public`` (the public record: anyone may check the panel), ``receipts`` (the SMS
provider's delivery reports), ``staff``, ``department``, ``admin`` and ``api``;
``aliyun_receipts`` (Alibaba Cloud's reports, a secret in the URL). Views import the domain
and the helpers beside them (``common``,
``wording``, ``forms``, ``appeal_form``, ``appeal_pages``); the domain never imports a view.
"""

from __future__ import annotations

from flask import request

from ..enums import Role
from ..extensions import csrf, limiter
from . import (
    admin,
    api,
    auth,
    department,
    guards,
    main,
    panelist,
    public,
    receipts,
    receipts_aliyun,
    security,
    staff,
    template_helpers,
)

CSRF_EXEMPT = {"panelist", "receipts", "aliyun_receipts", "api"}


def register(app) -> None:
    """Register every blueprint with the guard that decides who may use it."""
    template_helpers.init_app(app)

    limiter.limit(security.API_LIMIT, key_func=api.rate_limit_key)(api.bp)

    staff_or_admin = guards.require_roles(Role.STAFF, Role.ADMIN)
    guards.register(app, main.bp, guards.public)
    guards.register(app, auth.bp, guards.public)
    guards.register(app, panelist.bp, guards.public)
    guards.register(app, public.bp, guards.public)
    guards.register(app, receipts.bp, guards.public)
    guards.register(app, receipts_aliyun.bp, receipts_aliyun.require_receipt_secret)
    guards.register(app, staff.bp, staff_or_admin)
    guards.register(app, department.bp, guards.require_roles(Role.DEPARTMENT))
    guards.register(app, admin.bp, guards.require_roles(Role.ADMIN))
    guards.register(app, api.bp, api.require_api_key)

    # Forms on the link pages check their own token, so an expired one shows the form again
    # with what was typed; receipts carry the provider's signature and the API bearer keys,
    # so neither has a cross-site request to forge. (CSRF exemptions name each blueprint,
    # nested ones included.)
    for name, blueprint in app.blueprints.items():
        if name.split(".")[0] in CSRF_EXEMPT:
            csrf.exempt(blueprint)
    _check_blueprint_limits_for_the_api_only(app)


def _check_blueprint_limits_for_the_api_only(app) -> None:
    """Run Flask-Limiter's before-request check for API requests alone.

    Flask-Limiter works out before every request which limits apply to it. Only the API's
    blueprint-wide limit needs that hook: every other limit here decorates its view and is
    checked by its decorator, or is hit directly (the link pages). The hook cost about 60 us
    a request (a twentieth of a link page, BENCHMARKS.md). It keeps its place among the
    app's hooks, so a request with a bogus API key is still counted before its guard
    refuses it.
    """
    check = limiter._check_request_limit  # what Flask-Limiter's init_app installed
    hooks = app.before_request_funcs.get(None, [])
    if check not in hooks:  # limits are off
        return

    def check_api_limits():
        if (request.blueprint or "").partition(".")[0] == "api":
            return check()
        return None

    hooks[hooks.index(check)] = check_api_limits
