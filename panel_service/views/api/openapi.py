"""The API's OpenAPI 3.1 description; tests/test_openapi.py keeps it true to the routes."""

from __future__ import annotations

import copy

from flask import Blueprint, jsonify

from ...access.idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from ...appeals.listing import departments
from ...db import get_session
from .appeals import CURSOR_PATTERN, MAX_LIMIT, RFC3339_PATTERN
from .schemas import SCHEMAS, STATUSES, WORK_ORDER_IN

bp = Blueprint("openapi", __name__)


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


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
                            "enum": STATUSES,
                        },
                    },
                    {
                        "name": "since",
                        "in": "query",
                        "description": "submitted at or after this RFC 3339 time (with its offset)",
                        "schema": {
                            "type": "string",
                            "format": "date-time",
                            "pattern": RFC3339_PATTERN,
                        },
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
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_LIMIT,
                            "default": 50,
                        },
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
                        "schema": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": MAX_KEY_LENGTH,
                            "pattern": KEY_PATTERN,
                        },
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
                        "The work order already has a live appeal (`reason` duplicate_appeal,"
                        " with its `reference`), is registered to another department"
                        " (`reason` work_order_elsewhere, with that `department`), or the"
                        " Idempotency-Key was used with another body."
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
        "/work-orders/{number}": {
            "put": {
                "operationId": "setWorkOrderDepartment",
                "summary": "Say which department a work order belongs to",
                "description": "A department's own appeal claims a work order nobody has"
                " registered; the hotline corrects a mistaken claim here. A live appeal"
                " another department filed for it is withdrawn (its panelists are told);"
                " the move is audited.",
                "parameters": [
                    {"name": "number", "in": "path", "required": True, "schema": WORK_ORDER_IN},
                ],  # fmt: skip
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/WorkOrderDepartment"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "The work order is the department's",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/WorkOrder"}
                            }
                        },
                    },
                    **_EVERYWHERE,
                    "400": _error(
                        "Malformed JSON, not an object, a repeated key or nested too deep."
                    ),
                    "401": _UNAUTHORIZED,
                    "404": _error("No work order number in the path."),
                    "409": _error(
                        "Its appeal is decided (`reason` work_order_decided) or cannot be"
                        " withdrawn now (`reason` not_withdrawable)."
                    ),
                    "413": _error("The body is over the limit."),
                    "415": _error("The body is not application/json."),
                    "422": _error("Invalid fields, by name in `errors`."),
                },
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
    },
}


def document_for(codes: list[str]) -> dict:
    """The document, with the department codes the API accepts today as an enum."""
    document = copy.deepcopy(DOCUMENT)
    if codes:  # an empty enum is not a schema; with no department nothing can be submitted
        new = document["components"]["schemas"]["NewAppeal"]["properties"]["department"]
        query = document["paths"]["/appeals"]["get"]["parameters"][0]["schema"]
        move = document["components"]["schemas"]["WorkOrderDepartment"]["properties"]
        for schema in (new, query, move["department"]):
            schema["enum"] = list(codes)
    return document


@bp.get("/openapi.json")
def document():
    """Answer the API's OpenAPI 3.1 document."""
    return jsonify(document_for([d.code for d in departments(session=get_session())]))
