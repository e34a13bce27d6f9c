"""Appeals and departments over the API."""

from __future__ import annotations

import base64
import binascii
import logging
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
    if calls is not None and (isinstance(calls, bool) or not isinstance(calls, int)):
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
        return error_response(400, "the Idempotency-Key must be 1-100 printable characters")
    fingerprint = idempotency.request_hash(payload)
    session = get_session()
    try:
        stored = _stored(key, fingerprint)
    except idempotency.IdempotencyMismatch:
        return error_response(
            422,
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
        body = outcome(session=session, appeal=appeal)
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
    return base64.urlsafe_b64encode(f"a{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    digits = text[1:]
    if not (text.startswith("a") and digits.isascii() and digits.isdigit()):
        return None  # isdigit alone would pass "²", which int() refuses
    after = int(digits)
    return after if after < 2**31 else None  # beyond any id (and PostgreSQL's integer)


def _since(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):  # year 1 at +14:00 falls before datetime.min
        return None


@bp.get("/appeals")
def list_appeals():
    """List appeals oldest first, filtered by department, status and submission time."""
    args, errors = request.args, {}
    filters = AppealFilter()
    session = get_session()
    if args.get("department"):
        department = department_by_code(session=session, code=args["department"])
        if department is None:
            errors["department"] = "unknown department"
        else:
            filters.department_id = department.id
    if args.get("status"):
        if args["status"] in {s.value for s in AppealStatus}:
            filters.status = AppealStatus(args["status"])
        else:
            errors["status"] = "must be open, decided, withdrawn or stalled"
    if args.get("since"):
        filters.submitted_from = _since(args["since"])
        if filters.submitted_from is None:
            errors["since"] = "must be an ISO 8601 time with a time zone"
    after = 0
    if args.get("cursor"):
        after = _decode_cursor(args["cursor"])
        if after is None:
            errors["cursor"] = "not a cursor this API gave out"
    limit = args.get("limit", DEFAULT_LIMIT, type=int)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"must be between 1 and {MAX_LIMIT}"
    if errors:
        return error_response(422, "invalid query parameters", errors=errors)
    items, next_id = appeals_after(session=session, filters=filters, after_id=after, limit=limit)
    return jsonify(
        items=[outcome(session=session, appeal=a) for a in items],
        next_cursor=_encode_cursor(next_id) if next_id is not None else None,
    )
