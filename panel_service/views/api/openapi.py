"""The API's OpenAPI 3.1 description; tests/test_openapi.py keeps it true to the routes."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .schemas import SCHEMAS, WORK_ORDER_IN

bp = Blueprint("openapi", __name__)


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
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
                    "409": _error(
                        "The work order already has a live appeal (`reason` duplicate_appeal,"
                        " with its `reference`), or is registered to another department"
                        " (`reason` work_order_elsewhere, with that `department`)."
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
                    "401": _UNAUTHORIZED,
                    "404": _error("No appeal with this reference."),
                },
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
                    "400": _error("Malformed JSON or not an object."),
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
        "schemas": SCHEMAS,
    },
}


@bp.get("/openapi.json")
def document():
    """Answer the API's OpenAPI 3.1 document."""
    return jsonify(DOCUMENT)
