"""The API's OpenAPI 3.1 description; tests/test_openapi.py keeps it true to the routes."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ...appeals.submission import REPEAT_CALLS_RANGE, TEXT_LIMITS

bp = Blueprint("openapi", __name__)


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _text(name: str, description: str) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS[name][1],
            "description": description}  # fmt: skip


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
_TOO_MANY = _error("Rate limited.")

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
                    "401": _UNAUTHORIZED,
                },
            }
        },
        "/appeals": {
            "get": {
                "operationId": "listAppeals",
                "summary": "Appeals, oldest first, one page per cursor",
                "parameters": [
                    {"name": "department", "in": "query", "schema": {"type": "string"}},
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
                        "description": "submitted at or after this ISO 8601 time (with zone)",
                        "schema": {"type": "string", "format": "date-time"},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
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
                                        "next_cursor": {"type": ["string", "null"]},
                                    },
                                }
                            }
                        },
                    },
                    "401": _UNAUTHORIZED,
                    "422": _error("A query parameter is invalid (see errors)."),
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
                        "schema": {"type": "string", "maxLength": 100},
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
                    "400": _error("Malformed JSON, not an object, or a bad Idempotency-Key."),
                    "401": _UNAUTHORIZED,
                    "409": _error("The work order already has a live appeal."),
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
                "responses": {"200": {"description": "The OpenAPI document"}},
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
                    "department": {"type": "string", "description": "department code"},
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


@bp.get("/openapi.json")
def document():
    """Answer the API's OpenAPI 3.1 document."""
    return jsonify(DOCUMENT)
