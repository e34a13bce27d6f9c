"""How request bodies are read: the size limit holds for chunked bodies too, and JSON is
refused (400, with the reason) when it repeats a key or nests deeper than anyone sends.

Werkzeug caps a body without Content-Length (``Transfer-Encoding: chunked``) at
``max_content_length`` by *truncating* it when it is read in one go, so a 1 MB form or JSON
body reached the view as its first 256 KB: a 400 for broken JSON, or a form missing its
fields. ``PanelRequest`` reads one byte past the limit and answers 413 as for a sized body.
"""

from __future__ import annotations

import json
import re

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

# An appeal is one flat object; a receipt from Alibaba Cloud a list of flat objects.
MAX_JSON_DEPTH = 32
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JSONRefused(ValueError):
    """Well-formed JSON the service still refuses (duplicate keys, too deep)."""


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text``, counted without parsing it."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    found: dict = {}
    for key, value in pairs:
        if key in found:
            # Parsers disagree on which of two values wins; a signed or checked body
            # must mean one thing, so neither does.
            raise JSONRefused(f"the JSON object repeats the key {key!r}")
        found[key] = value
    return found


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that ``loads`` refuses duplicate keys and deep nesting."""

    def loads(self, s: str | bytes, **kwargs):
        if isinstance(s, bytes | bytearray):
            s = s.decode(json.detect_encoding(s))  # not UTF-8: UnicodeDecodeError, a 400
        # Checked before parsing: the parser recurses once per level and hits Python's
        # recursion limit near 1,000 levels, which used to end as a 500.
        if json_depth(s) > MAX_JSON_DEPTH:
            raise JSONRefused(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
        kwargs.setdefault("object_pairs_hook", _unique_keys)
        return json.loads(s, **kwargs)


class _HardLimit(LimitedStream):
    """A body limit that refuses a longer body instead of cutting it short."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


class PanelRequest(Request):
    """Flask's request with a hard limit on chunked bodies and a reason for refused JSON."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if (
            limit is not None
            and self.content_length is None
            and "wsgi.input_terminated" in self.environ  # the server de-chunks the body
        ):
            return _HardLimit(self.environ["wsgi.input"], limit, is_max=True)
        return get_input_stream(self.environ, max_content_length=limit)

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not sent as JSON at all
            return super().on_json_loading_failed(e)
        if isinstance(e, JSONRefused):
            raise BadRequest(str(e)) from e
        raise BadRequest("the body is not valid JSON in UTF-8") from e


def init_app(app) -> None:
    """Read every request through ``PanelRequest`` and every JSON body strictly."""
    app.request_class = PanelRequest
    app.json = StrictJSONProvider(app)
