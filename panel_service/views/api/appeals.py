"""Appeals and departments over the API."""

from __future__ import annotations

import base64
import logging
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request, url_for

from ... import timeutil
from ...access import idempotency
from ...appeals.listing import (
    AppealFilter,
    appeal_by_reference,
    appeals_after,
    department_by_code,
    departments,
)
from ...appeals.outcomes import outcome
from ...appeals.ownership import WorkOrderElsewhere
from ...appeals.submission import AppealInput, AppealInvalid, DuplicateAppeal, create_appeal
from ...db import get_session
from ...enums import Actor, AppealStatus, Refusal, WorkOrderSource
from ...panel.draw import NotEnoughPanelists
from ..common import rules
from ..errors import error_response

log = logging.getLogger(__name__)

bp = Blueprint("appeals", __name__)

TEXT_FIELDS = ("work_order_no", "department", "citizen_request", "department_reply",
               "appeal_reason", "policy_basis")  # fmt: skip
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# The cursor is opaque to clients, but its shape is documented (openapi.py): "n" and six
# base64url characters, which decode to the last id of the page (so any such string is a
# place in the list). The cursors of before (base64 of "a<id>") start with "Y", never "n".
CURSOR_PREFIX = "n"
CURSOR_PATTERN = r"^n[A-Za-z0-9_-]{6}$"
CURSOR = re.compile(CURSOR_PATTERN)
RFC3339_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
RFC3339 = re.compile(RFC3339_PATTERN)


@bp.get("/departments")
def list_departments():
    """List the departments an appeal may name, by code."""
    return jsonify([{"code": d.code, "name": d.name} for d in departments(session=get_session())])


def _type_errors(payload: dict) -> dict[str, Refusal]:
    errors = {}
    for name in TEXT_FIELDS:
        if name in payload and payload[name] is not None and not isinstance(payload[name], str):
            errors[name] = Refusal.NOT_A_STRING
    calls = payload.get("repeat_calls")
    if isinstance(calls, float) and calls.is_integer():
        payload["repeat_calls"] = int(calls)  # JSON Schema's integer: 3.0 is one
    elif calls is not None and (isinstance(calls, bool) or not isinstance(calls, int)):
        errors["repeat_calls"] = Refusal.NOT_A_WHOLE_NUMBER
    return errors


def _replay(stored: idempotency.StoredAnswer):
    response = jsonify(stored.body)
    response.status_code = stored.status_code
    response.headers["Idempotent-Replayed"] = "true"
    if stored.status_code == 201:
        response.headers["Location"] = url_for(".get_appeal", reference=stored.body["reference"])
    return response


def _stored(key, fingerprint):
    if not key:
        return None
    return idempotency.lookup(
        session=get_session(), api_key_id=g.api_key_id, key=key, fingerprint=fingerprint
    )


@bp.post("/appeals")
def create():
    """Submit an appeal for a work order; retries with the same Idempotency-Key are safe."""
    if not request.is_json:
        return error_response(415, "send the appeal as application/json")
    payload = request.get_json()  # malformed JSON: 400; over the limit: 413
    if not isinstance(payload, dict):
        return error_response(400, "the body must be a JSON object")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not idempotency.valid_key(key):
        return error_response(400, "the Idempotency-Key must be 1-100 visible ASCII characters")
    fingerprint = idempotency.request_hash(payload)
    session = get_session()
    try:
        stored = _stored(key, fingerprint)
    except idempotency.IdempotencyMismatch:
        # 409, not 422: the body is well formed; it conflicts with what the key stands for.
        return error_response(
            409,
            "this Idempotency-Key was used with a different body",
            errors={"Idempotency-Key": "reused with a different body"},
        )
    if stored is not None:
        return _replay(stored)
    errors = _type_errors(payload)
    if errors:
        return error_response(422, "the appeal has invalid fields", errors=errors)
    data = AppealInput(**{name: payload.get(name) for name in (*TEXT_FIELDS, "repeat_calls")})
    now = timeutil.now()
    try:
        appeal = create_appeal(
            session=session,
            data=data,
            submitted_by=f"{Actor.API}:{g.api_key_name}",
            rules=rules(),
            now=now,
            source=WorkOrderSource.HOTLINE,
        )
        # The code validate() found the department by: no need to ask for it again.
        body = outcome(session=session, appeal=appeal, department=data.department.strip())
        if key:
            idempotency.remember(
                session=session,
                api_key_id=g.api_key_id,
                key=key,
                fingerprint=fingerprint,
                answer=idempotency.StoredAnswer(201, body),
                now=now,
            )
        session.commit()
    except AppealInvalid as invalid:
        session.rollback()
        errors = {field: str(code) for field, code in invalid.errors.items()}
        return error_response(422, "the appeal has invalid fields", errors=errors)
    except WorkOrderElsewhere as elsewhere:
        session.rollback()
        return error_response(
            409,
            "the work order is registered to another department;"
            " PUT /work-orders/{number} moves it",
            reason=str(elsewhere.code),
            department=elsewhere.department,
        )
    except (DuplicateAppeal, sa.exc.IntegrityError) as exc:
        session.rollback()
        # A concurrent twin with the same key may have won: answer as it did.
        stored = _stored(key, fingerprint)
        if stored is not None:
            return _replay(stored)
        reference = getattr(exc, "reference", None)
        return error_response(
            409,
            "the work order already has a live appeal",
            reason=str(Refusal.DUPLICATE_APPEAL),
            reference=reference,
        )
    except NotEnoughPanelists:
        session.rollback()
        return error_response(503, "not enough eligible panelists to draw a panel now")
    log.info("appeal submitted over the API", extra={"appeal_id": appeal.id})
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for(".get_appeal", reference=appeal.reference)
    return response


@bp.get("/appeals/<reference>")
def get_appeal(reference: str):
    """Answer an appeal's status, decision and (once decided) vote counts."""
    session = get_session()
    appeal = appeal_by_reference(session=session, reference=reference)
    if appeal is None:
        return error_response(404, "no appeal with this reference")
    return jsonify(outcome(session=session, appeal=appeal))


def _encode_cursor(last_id: int) -> str:
    return CURSOR_PREFIX + base64.urlsafe_b64encode(last_id.to_bytes(4, "big")).decode()[:6]


def _decode_cursor(cursor: str) -> int | None:
    """The id after which a page starts; every string the document's pattern allows is one."""
    if not CURSOR.fullmatch(cursor):
        return None
    after = int.from_bytes(base64.urlsafe_b64decode(cursor[1:] + "=="), "big")
    return min(after, 2**31 - 1)  # beyond any id (and PostgreSQL's integer)


def _since(value: str) -> datetime | None:
    """An RFC 3339 date-time with its offset (what the document's ``date-time`` allows)."""
    if not RFC3339.fullmatch(value):
        return None
    value = value.upper().replace(":60", ":59", 1) if value[17:19] == "60" else value.upper()
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):  # year 1 at +14:00 falls before datetime.min
        return None


def _limit(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


@bp.get("/appeals")
def list_appeals():
    """List appeals oldest first, filtered by department, status and submission time."""
    args, errors = request.args, {}
    filters = AppealFilter()
    session = get_session()
    if "department" in args:
        department = department_by_code(session=session, code=args["department"])
        if department is None:
            errors["department"] = "unknown department"
        else:
            filters.department_id = department.id
    if "status" in args:
        if args["status"] in {s.value for s in AppealStatus}:
            filters.status = AppealStatus(args["status"])
        else:
            errors["status"] = "must be " + ", ".join(s.value for s in AppealStatus)
    if "since" in args:
        filters.submitted_from = _since(args["since"])
        if filters.submitted_from is None:
            errors["since"] = "must be an RFC 3339 date-time with its offset"
    after = 0
    if "cursor" in args:
        after = _decode_cursor(args["cursor"])
        if after is None:
            errors["cursor"] = "not a cursor this API gave out"
    limit = _limit(args["limit"]) if "limit" in args else DEFAULT_LIMIT
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"must be a whole number from 1 to {MAX_LIMIT}"
    if errors:
        return error_response(422, "invalid query parameters", errors=errors)
    items, next_id = appeals_after(session=session, filters=filters, after_id=after, limit=limit)
    return jsonify(
        items=[outcome(session=session, appeal=a) for a in items],
        next_cursor=_encode_cursor(next_id) if next_id is not None else None,
    )
