"""One error handler: JSON for API clients, a page for people."""

from __future__ import annotations

import logging
import math
import time

import sqlalchemy as sa
from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from ..extensions import limiter

log = logging.getLogger(__name__)

# The same error codes the API documents (see api/openapi.py).
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def wants_json() -> bool:
    """API paths always get JSON; elsewhere, clients that prefer JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > (request.accept_mimetypes["text/html"])
    )


def _titles() -> dict[int, str]:
    return {
        400: _("The request was not understood."),
        401: _("Please sign in first."),
        403: _("You may not see this page."),
        404: _("Page not found."),
        405: _("This page does not accept that kind of request."),
        409: _("This conflicts with a change made meanwhile; please reload and try again."),
        410: _("This is no longer available."),
        413: _("What was sent is too large."),
        415: _("That content type is not supported."),
        422: _("What was sent could not be accepted."),
        429: _("Too many attempts; please try again later."),
        500: _("Something went wrong; please try again later."),
        503: _("The service is briefly unavailable; please try again in a moment."),
    }


def error_response(code: int, message: str | None = None, **extra):
    """A JSON error body: ``{"error": code-name, "message": ...}`` plus any details."""
    body = {"error": CODES.get(code, "error"), "message": message or CODES.get(code, "error")}
    body.update(extra)
    return jsonify(body), code


def retry_after(exc: HTTPException) -> str:
    """Seconds until a 429 ends: what the view said, else the breached limit's window."""
    seconds = getattr(exc, "retry_after", None)  # TooManyRequests(retry_after=...)
    if not isinstance(seconds, int | float):
        breached = limiter.current_limit  # Flask-Limiter's, for the request being refused
        seconds = breached.reset_at - time.time() if breached is not None else 60
    return str(max(1, math.ceil(seconds)))


def handle_http_exception(exc: HTTPException):
    """Answer an HTTP error in the client's language of choice (JSON or HTML)."""
    if exc.response is not None:
        return exc.response
    code = exc.code or 500
    if wants_json():
        response, code = error_response(code, exc.description)
    else:
        title = _titles().get(code, exc.name)
        response = make_response(render_template("error.html", code=code, title=title))
    response.status_code = code
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if code == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="panel-service"'
    if code == 429:  # every one, from every limit: clients and proxies know when to retry
        response.headers["Retry-After"] = retry_after(exc)
    return response


def handle_database_unavailable(exc: sa.exc.SQLAlchemyError):
    """Answer 503 while the database cannot be reached; the pool reconnects by itself."""
    log.warning("database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
    response = handle_http_exception(ServiceUnavailable("the database is unavailable; retry"))
    response.headers["Retry-After"] = "5"
    return response


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    # Connection refused or lost, pool exhausted: the service is unavailable, not broken.
    app.register_error_handler(sa.exc.OperationalError, handle_database_unavailable)
    app.register_error_handler(sa.exc.TimeoutError, handle_database_unavailable)
