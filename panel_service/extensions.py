"""Flask extensions, created once here and bound to the app in ``create_app``."""

from __future__ import annotations

import functools

from babel import Locale
from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from . import catalogs
from .catalogs import DEFAULT_LOCALE, LOCALES
from .config import ConfigError

csrf = CSRFProtect()
babel = Babel()
# Behind a proxy the remote address is the proxy's: deploy with ProxyFix configured.
limiter = Limiter(get_remote_address)
login_manager = LoginManager()  # staff, departments, admins; see views/auth.py


# Parsed once: Flask-Babel takes a Locale as it is, and parses a string on every request.
_LOCALES = {name: Locale.parse(name) for name in LOCALES}


def select_locale() -> Locale:
    """``?lang=`` first, then the best Accept-Language match, else Simplified Chinese."""
    if not has_request_context():
        return _LOCALES[DEFAULT_LOCALE]
    asked = request.args.get("lang")
    if asked in LOCALES:
        return _LOCALES[asked]
    return _LOCALES[_best_match(request.headers.get("Accept-Language", ""))]


@functools.lru_cache(maxsize=512)
def _best_match(accept_language: str) -> str:
    # Browsers send few distinct headers: each is parsed once per process, not per request.
    offered = parse_accept_header(accept_language, LanguageAccept)
    return offered.best_match(LOCALES) or DEFAULT_LOCALE


def init_app(app) -> None:
    """Bind every extension to the app, taking their settings from the PANEL_* config."""
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", app.config.get("PANEL_RATELIMIT_STORAGE_URL", "memory://")
    )
    app.config.setdefault("RATELIMIT_ENABLED", app.config.get("PANEL_RATELIMIT_ENABLED", True))
    # The storage's own prefix (Flask-Limiter keeps the first app's RATELIMIT_KEY_PREFIX for
    # good; the storage is made anew for each app).
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {"key_prefix": app.config.get("PANEL_RATELIMIT_KEY_PREFIX", "panel")},
    )
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    try:  # a checkout without compiled catalogs would serve every page in English
        catalogs.ensure_compiled(production=app.config["PANEL_CONFIG"].is_production)
    except RuntimeError as exc:
        raise ConfigError(str(exc)) from None
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogs.TRANSLATIONS))
    # A panelist may take a while over a 2,000-character opinion; an expired form token is
    # handled by showing the form again with what was typed, so the limit need not be tight.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
