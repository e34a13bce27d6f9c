"""Headers every answer carries, the proxy in front of us, the API's rate limit, and the
input no view should ever see (wrong media types, NUL characters, bytes that are not UTF-8).

Blueprints may set stricter headers of their own (the panelist pages do); these are
defaults and never overwrite what a view or blueprint chose.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_to_bytes

from flask import request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType
from werkzeug.middleware.proxy_fix import ProxyFix

from . import bodies
from .errors import error_response

log = logging.getLogger(__name__)

# The staff pages keep their CSS in one <style> block (base.html) and use no script at all.
PAGE_CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HSTS = "max-age=31536000; includeSubDomains"
# Per API key (or per address without a valid one: api.rate_limit_key): the hotline
# platform submits a few hundred appeals a day, so this only stops a runaway client.
API_LIMIT = "300 per minute"


def default_headers(*, api: bool, production: bool) -> tuple[tuple[str, str], ...]:
    """The headers an answer gets unless its view or blueprint set them already."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", API_CSP if api else PAGE_CSP),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if production:
        # Browsers ignore it over plain HTTP, so it is only sent where TLS is the rule.
        headers.append(("Strict-Transport-Security", HSTS))
    return tuple(headers)


def set_headers(response, *, defaults=(), replacing=()):
    """Add each of ``defaults`` the response lacks, and ``replacing`` whatever it has.

    One pass over the response's headers: Werkzeug's ``setdefault`` and ``in`` raise and
    catch a KeyError for every header that is missing, which most are.
    """
    present = {name.lower() for name in response.headers.keys()}
    for name, _value in replacing:
        if name.lower() in present:
            del response.headers[name]
    response.headers.extend(
        [*replacing, *[(k, v) for k, v in defaults if k.lower() not in present]]
    )
    return response


def no_store(response):
    """Keep a signed-in page out of every cache: the back button after logout, a shared
    computer's disk and a proxy show nothing."""
    if "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
    return response


# The audiences whose pages are behind a sign-in.
SIGNED_IN = ("staff", "department", "admin")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _unclean(value: str) -> bool:
    # NUL cannot be stored in PostgreSQL text; U+FFFD is what bytes that were not UTF-8
    # decode to in a multipart form. Neither comes from a person typing into a form.
    return "\x00" in value or "\ufffd" in value


def utf8_encoded(raw: bytes) -> bool:
    """Whether a query string or urlencoded form, once %-decoded, is UTF-8.

    Werkzeug keeps an undecodable ``%FF`` as the three characters ``%FF``, so the decoded
    values cannot tell; the raw bytes can. (``&`` and ``=`` are ASCII, so decoding the
    whole string at once is the same as decoding each name and value.)
    """
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def refuse_bad_input():
    """400 for NUL or non-UTF-8 in the query or a form; 415 for a page sent something else."""
    if request.path.startswith("/api/"):
        return None  # the API answers after its key check (see refuse_bad_api_input)
    if not utf8_encoded(request.query_string):
        request.args = ImmutableMultiDict()  # so the error page itself can read ?lang=
        raise BadRequest("the query string is not valid UTF-8")
    if request.path.startswith("/sms/aliyun/"):
        return None  # Alibaba Cloud pushes JSON reports; its view checks them
    if "\x00" in request.path:
        raise NotFound()  # nothing here is named with a NUL
    if any(_unclean(k) or _unclean(v) for k, v in request.args.items(multi=True)):
        raise BadRequest("the query string contains NUL characters or is not valid UTF-8")
    if request.method not in BODY_METHODS:
        return None
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if has_body and request.mimetype not in FORM_TYPES:
        raise UnsupportedMediaType("pages take forms: send application/x-www-form-urlencoded")
    if has_body and request.mimetype == FORM_TYPES[0]:
        # Read whole to check its bytes, so no bigger than Werkzeug would parse (500 KB):
        # a sized body over it is a 413 here, a chunked one as it is read.
        form_limit = request.max_form_memory_size
        if form_limit is not None:
            request.max_content_length = min(request.max_content_length or form_limit, form_limit)
        if not utf8_encoded(request.get_data()):
            raise BadRequest("the form is not valid UTF-8")
    if has_body and any(_unclean(k) or _unclean(v) for k, v in request.form.items(multi=True)):
        raise BadRequest("the form contains NUL characters or is not valid UTF-8")
    return None


def refuse_bad_api_input():
    """After the key check: 400 for a query that is not UTF-8; 404 for NUL in the path;
    422 for NUL in the query. (NUL in an appeal's fields is the view's 422, field by field;
    in fields the API does not know, it is ignored with them.)"""
    if not utf8_encoded(request.query_string):
        return error_response(400, "the query string is not valid UTF-8")
    if "\x00" in request.path:
        return error_response(404, "no such resource")
    # The API documents 422 for query parameters it cannot use, with one error each.
    bad = {
        k: "must not contain NUL characters"
        for k, v in request.args.items(multi=True)
        if "\x00" in k or "\x00" in v
    }
    if bad:
        return error_response(422, "invalid query parameters", errors=bad)
    return None


def proxy_fix(app) -> None:
    """Trust ``X-Forwarded-*`` from as many proxies as PANEL_PROXY_FIX_* say (default none)."""
    config = app.config["PANEL_CONFIG"]
    hops = {
        "x_for": config.PROXY_FIX_X_FOR,
        "x_proto": config.PROXY_FIX_X_PROTO,
        "x_host": config.PROXY_FIX_X_HOST,
        "x_port": config.PROXY_FIX_X_PORT,
        "x_prefix": config.PROXY_FIX_X_PREFIX,
    }
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)


def init_app(app) -> None:
    """Install the default headers and ProxyFix; warn when rate limits are off."""
    config = app.config["PANEL_CONFIG"]
    production = config.is_production
    bodies.init_app(app)
    pages = default_headers(api=False, production=production)
    api = default_headers(api=True, production=production)
    app.after_request(
        lambda response: set_headers(
            response, defaults=api if request.path.startswith("/api/") else pages
        )
    )
    # Right after the request id is assigned, before CSRF or any view reads the form.
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(1 if funcs else 0, refuse_bad_input)
    app.before_request_funcs.setdefault("api", []).append(refuse_bad_api_input)
    for name in SIGNED_IN:  # nested blueprints (admin.users, ...) run their parent's too
        app.after_request_funcs.setdefault(name, []).append(no_store)
    proxy_fix(app)
    if production and not config.RATELIMIT_ENABLED:
        log.warning("rate limits are off (PANEL_RATELIMIT_ENABLED=false): for benchmarks only")
