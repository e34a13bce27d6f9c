"""The JSON API for the 12345 hotline platform: bearer keys, JSON in, JSON out.

``appeals`` holds the calls about appeals, ``work_orders`` the one that says which
department a work order belongs to, ``openapi`` the document that describes them; this package
composes them into ``bp`` and holds its guard (a live bearer key), which the factory attaches
with the API's rate limit when it registers ``bp``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, g, request
from flask_limiter.util import get_remote_address

from ... import timeutil
from ...access import api_keys
from ...db import get_session
from ..errors import error_response
from . import appeals, openapi, work_orders

OPEN_ENDPOINTS = {"api.openapi.document"}
_TOUCH_EVERY = timedelta(hours=1)


def _unauthorized():
    response, code = error_response(401, "a valid API key is required (Authorization: Bearer ...)")
    response.headers["WWW-Authenticate"] = 'Bearer realm="panel-service"'
    return response, code


def _bearer_key():
    """The live key the request carries, or None; looked up once per request."""
    if "api_key" not in g:
        scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
        session = get_session()
        g.api_key = (
            api_keys.verify_api_key(session=session, raw=raw.strip())
            if scheme.lower() == "bearer"
            else None
        )
        if g.api_key is None:
            session.rollback()
    return g.api_key


def rate_limit_key() -> str:
    """The API limit's key: the resolved key, else the address (so bogus keys share one)."""
    key = _bearer_key()
    if key is not None:
        return f"api-key:{key.id}"
    return "api-address:" + (get_remote_address() or "-")


def require_api_key():
    """The API's guard: a live bearer key, and the API's own (small) body limit."""
    request.max_content_length = current_app.config["PANEL_API_MAX_BODY"]
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    key = _bearer_key()
    if key is None:
        return _unauthorized()
    session = get_session()
    now = timeutil.now()
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        key.last_used_at = now
        session.add(key)
        session.commit()
    g.api_key_id, g.api_key_name = key.id, key.name
    if request.content_length is not None and request.content_length > request.max_content_length:
        return error_response(413, "the body is larger than the API accepts")
    return None


require_api_key.is_guard = True

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_blueprint(appeals.bp)
bp.register_blueprint(openapi.bp)
bp.register_blueprint(work_orders.bp)
