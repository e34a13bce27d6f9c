"""The API's OpenAPI 3.1 description; tests/test_openapi.py keeps it true to the routes."""

from __future__ import annotations

import copy

from flask import Blueprint, jsonify

from ...access.idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from ...appeals.listing import departments
from ...appeals.submission import REPEAT_CALLS_RANGE, TEXT_LIMITS
from ...db import get_session
from ...text import BIDI_CONTROLS, BLANKS
from .appeals import CURSOR_PATTERN, MAX_LIMIT, RFC3339_PATTERN

bp = Blueprint("openapi", __name__)


def _escaped(chars: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in chars)


# A text field holds something besides blanks and bidirectional controls (which are
# trimmed and removed: text.clean_text), and no NUL (PostgreSQL cannot store it). Spelled out,
# not \s: Python's and JavaScript's \s differ.
TEXT_PATTERN = (
    f"^[^\\u0000]*[^\\u0000{_escaped(BLANKS + BIDI_CONTROLS)}][^\\u0000]*$"
)


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _text(name: str, description: str) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS[name][1],
            "pattern": TEXT_PATTERN, "description": description}  # fmt: skip


_BAD_QUERY = _error("The query string is not valid UTF-8.")
_INVALID_QUERY = _error("A query parameter is invalid or holds NUL (see errors).")
_TOO_MANY = {
    **_error("Rate limited (per API key; per address without a valid key)."),
    "headers": {
        "Retry-After": {
            "required": True,
            "description": "seconds until the limit lets requests through again",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
}
# What every operation may answer besides its own: the checks in views/security.py and the
# API's rate limit (views/__init__.py).
_EVERYWHERE = {"400": _BAD_QUERY, "422": _INVALID_QUERY, "429": _TOO_MANY}


_TIME = {"type": ["string", "null"], "format": "date-time"}
_APPEAL = {
    "type": "object",
    "required": [
        "reference",
        "status",
        "decision",
        "votes_received",
        "votes",
        "deadline",
        "decided_at",
    ],  # fmt: skip
    "properties": {
        "reference": {"type": "string", "examples": ["AP-2025-000123"]},
        "work_order_no": {"type": "string"},
        "department": {"type": "string", "description": "department code"},
        "status": {"type": "string", "enum": ["open", "decided", "withdrawn", "stalled"]},
        "decision": {"type": ["string", "null"], "enum": ["upheld", "dismissed", None]},
        "votes_received": {"type": "integer", "description": "panelists who have voted"},
        "votes": {
            "description": "vote counts, only once decided (null while open)",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["agree", "disagree"],
                    "properties": {"agree": {"type": "integer"}, "disagree": {"type": "integer"}},
                },
            ],
        },
        "submitted_at": _TIME,
        "deadline": _TIME,
        "deadline_local": {
            "type": "string", "format": "date-time",
            "description": "the same instant in the service zone (Beijing time)",
            "examples": ["2025-12-04T18:00:00+08:00"],
        },
        "deadline_text": {
            "type": "string", "description": "the deadline as panelists read it",
            "examples": ["12月4日（周五）18:00"],
        },
        "decided_at": _TIME,
        "withdrawn_reason": {"type": ["string", "null"]},
    },
}
_UNAUTHORIZED = _error("No valid API key.")

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "12345 hotline evaluation panel API",
        "version": "1.0.0",
        "description": "Submit appeals and follow their outcomes. Outcome webhooks (decided, "
        "withdrawn, stalled) are POSTed to the configured URL with the header "
        "`X-Panel-Signature: sha256=<hex HMAC-SHA256 of the body>`.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/departments": {
            "get": {
                "operationId": "listDepartments",
                "summary": "The departments an appeal may name",
                "responses": {
                    "200": {
                        "description": "Every department",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Department"},
                                }
                            }
                        },
                    },
                    **_EVERYWHERE,
                    "401": _UNAUTHORIZED,
                },
            }
        },
        "/appeals": {
            "get": {
                "operationId": "listAppeals",
                "summary": "Appeals, oldest first, one page per cursor",
                "parameters": [
                    {
                        "name": "department",
                        "in": "query",
                        "description": "a department code (see /departments)",
                        "schema": {"type": "string", "minLength": 1},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": ["open", "decided", "withdrawn", "stalled"],
                        },
                    },
                    {
                        "name": "since",
                        "in": "query",
                        "description": "submitted at or after this RFC 3339 time (with its offset)",
                        "schema": {"type": "string", "format": "date-time",
                                   "pattern": RFC3339_PATTERN},
                    },
                    {
                        "name": "cursor",
                        "in": "query",
                        "description": "opaque: the next_cursor of the page before, unchanged",
                        "schema": {"type": "string", "pattern": CURSOR_PATTERN},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                   "default": 50},
                    },
                ],  # fmt: skip
                "responses": {
                    "200": {
                        "description": "One page; pass next_cursor back for the next",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "next_cursor"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Appeal"},
                                        },
                                        "next_cursor": {
                                            "type": ["string", "null"],
                                            "pattern": CURSOR_PATTERN,
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **_EVERYWHERE,
                    "401": _UNAUTHORIZED,
                },
            },
            "post": {
                "operationId": "createAppeal",
                "summary": "Submit an appeal and draw its panel",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "A retry with the same key and body gets the first answer.",
                        "schema": {"type": "string", "minLength": 1,
                                   "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
                    }
                ],  # fmt: skip
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NewAppeal"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "Created; the panel is drawn and invited",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Appeal"}}
                        },
                    },
                    **_EVERYWHERE,
                    "400": _error(
                        "Malformed JSON, not UTF-8, not an object, a repeated key, nested deeper"
                        " than 32 levels, a bad Idempotency-Key or a query that is not UTF-8."
                    ),
                    "401": _UNAUTHORIZED,
                    "409": _error(
                        "The work order already has a live appeal, or the Idempotency-Key was"
                        " used with another body."
                    ),
                    "413": _error("The body is over the limit (256 KB by default)."),
                    "415": _error("The body is not application/json."),
                    "422": _error("Invalid fields, by name in `errors`."),
                    "503": _error("Not enough eligible panelists to draw a panel."),
                },
            },
        },
        "/appeals/{reference}": {
            "get": {
                "operationId": "getAppeal",
                "summary": "An appeal's status and outcome",
                "parameters": [
                    {
                        "name": "reference",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],  # fmt: skip
                "responses": {
                    "200": {
                        "description": "The appeal",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Appeal"}}
                        },
                    },
                    **_EVERYWHERE,
                    "401": _UNAUTHORIZED,
                    "404": _error("No appeal with this reference."),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document"}, **_EVERYWHERE},
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Department": {
                "type": "object",
                "required": ["code", "name"],
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            },
            "NewAppeal": {
                "type": "object",
                "required": [
                    "work_order_no",
                    "department",
                    "citizen_request",
                    "department_reply",
                    "appeal_reason",
                    "policy_basis",
                    "repeat_calls",
                ],  # fmt: skip
                "properties": {
                    "work_order_no": _text("work_order_no", "the hotline work order"),
                    "department": {"type": "string", "minLength": 1,
                                   "description": "department code (see /departments)"},
                    "citizen_request": _text("citizen_request", "what the citizen asked"),
                    "department_reply": _text("department_reply", "how it was handled"),
                    "appeal_reason": _text("appeal_reason", "why the rating is unfair"),
                    "policy_basis": _text("policy_basis", "the rules relied on"),
                    "repeat_calls": {
                        "type": "integer",
                        "minimum": REPEAT_CALLS_RANGE[0],
                        "maximum": REPEAT_CALLS_RANGE[1],
                    },  # fmt: skip
                },
            },
            "Appeal": _APPEAL,
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string"},
                    "message": {"type": "string"},
                    "errors": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Each invalid field and why. An appeal's fields give a"
                        " code: required, not_a_string, too_long, null_character,"
                        " not_a_whole_number, out_of_range or unknown_department.",
                    },
                    "reference": {"type": ["string", "null"]},
                },
            },
        },
    },
}


def document_for(codes: list[str]) -> dict:
    """The document, with the department codes the API accepts today as an enum."""
    document = copy.deepcopy(DOCUMENT)
    if codes:  # an empty enum is not a schema; with no department nothing can be submitted
        new = document["components"]["schemas"]["NewAppeal"]["properties"]["department"]
        query = document["paths"]["/appeals"]["get"]["parameters"][0]["schema"]
        for schema in (new, query):
            schema["enum"] = list(codes)
    return document


@bp.get("/openapi.json")
def document():
    """Answer the API's OpenAPI 3.1 document."""
    return jsonify(document_for([d.code for d in departments(session=get_session())]))
