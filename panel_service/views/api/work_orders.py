"""The hotline platform says which department a work order belongs to."""

from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, request

from ... import timeutil
from ...appeals import ownership, work_order_numbers
from ...appeals.listing import department_by_code
from ...db import get_session
from ...enums import Actor, Refusal
from ...refusals import Invalid, Refused
from ..errors import error_response

log = logging.getLogger(__name__)

bp = Blueprint("work_orders", __name__)

REASON_MAX = 500


def _fields(number: str, payload: dict):
    """The canonical number, the department and the reason; or the errors, by field."""
    errors: dict[str, str] = {}
    try:
        number = work_order_numbers.canonical(number)
    except work_order_numbers.NotAWorkOrder as refused:
        errors["work_order_no"] = str(refused.code)
    code, reason = payload.get("department"), payload.get("reason")
    department = None
    if not isinstance(code, str) or not code.strip():
        errors["department"] = str(Refusal.REQUIRED)
    elif "\x00" in code:  # before the look-up: PostgreSQL refuses NUL in a query
        errors["department"] = str(Refusal.NULL_CHARACTER)
    else:
        department = department_by_code(session=get_session(), code=code.strip())
        if department is None:
            errors["department"] = str(Refusal.UNKNOWN_DEPARTMENT)
    if not isinstance(reason, str):
        errors["reason"] = str(Refusal.REQUIRED if reason is None else Refusal.NOT_A_STRING)
    elif not reason.strip():
        errors["reason"] = str(Refusal.REQUIRED)
    elif "\x00" in reason:
        errors["reason"] = str(Refusal.NULL_CHARACTER)
    elif len(reason.strip()) > REASON_MAX:
        errors["reason"] = str(Refusal.TOO_LONG)
    return number, department, reason, errors


@bp.put("/work-orders/<number>")
def move(number: str):
    """Put a work order under its department; a wrong department's live appeal is withdrawn."""
    if not request.is_json:
        return error_response(415, "send the department as application/json")
    payload = request.get_json()
    if not isinstance(payload, dict):
        return error_response(400, "the body must be a JSON object")
    number, department, reason, errors = _fields(number, payload)
    if errors:
        return error_response(422, "the request has invalid fields", errors=errors)
    session = get_session()
    try:
        withdrawn = ownership.move(
            session=session, number=number, department=department, reason=reason,
            actor=f"{Actor.API}:{g.api_key_name}", now=timeutil.now(),
        )  # fmt: skip
        session.commit()
    except Invalid as invalid:
        session.rollback()
        errors = {field: str(code) for field, code in invalid.errors.items()}
        return error_response(422, "the request has invalid fields", errors=errors)
    except Refused as refused:
        session.rollback()
        return error_response(
            409, "the work order's appeal cannot be withdrawn now", reason=str(refused.code)
        )
    log.info("work order department set over the API", extra={"department": department.code})
    return jsonify(
        work_order_no=number,
        department=department.code,
        withdrawn=withdrawn.reference if withdrawn else None,
    )
