"""The panelists' pages, reached through the signed link in their text message (``/v``).

``pages`` holds the link itself (read, pledge, vote, step aside), ``files`` the appeal's
attachments, ``render`` what both answer with. This package composes them into ``bp``, which
gives every answer the link pages' headers; the factory registers it.
"""

from __future__ import annotations

from flask import Blueprint

from ... import logredact
from ..errors import retry_after
from . import files, pages
from .render import message, security_headers

bp = Blueprint("panelist", __name__, url_prefix="/v")
bp.register_blueprint(pages.bp)
bp.register_blueprint(files.bp)
bp.after_request(security_headers)
# Tokens never reach the logs, not even the access log's request line.
bp.record_once(lambda state: logredact.install(state.app))


@bp.errorhandler(429)
def _too_many(error):
    response = message("too_many", 429)
    response.headers["Retry-After"] = retry_after(error)
    return response
