"""Twilio's delivery receipts (status callbacks): validate, record, answer fast."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, request
from twilio.request_validator import RequestValidator

from ..db import get_session
from ..enums import DeliveryStatus
from ..messaging.delivery import apply_receipt
from ..rules import PanelRules
from ..timeutil import now

log = logging.getLogger(__name__)

# Twilio cannot send a CSRF token; its request signature is the guard (views.register).
bp = Blueprint("receipts", __name__)


def signed_url() -> str:
    """The URL Twilio signed: built from PANEL_PUBLIC_BASE_URL, not from the request.

    Behind a TLS-terminating proxy the request arrives as http://internal-host/..., while
    Twilio signed https://public-host/...; only the configured public base is trustworthy.
    """
    base = current_app.config["PANEL_CONFIG"].PUBLIC_BASE_URL.rstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


@bp.before_request
def require_twilio_signature():
    """Refuse (403) any request without a valid X-Twilio-Signature."""
    token = current_app.config["PANEL_CONFIG"].TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403)
    if not RequestValidator(token).validate(signed_url(), request.form, signature):
        log.warning("status callback with a forged signature refused")
        abort(403)


@bp.post("/sms/status")
def sms_status():
    """Record one SMS status callback; repeats and late arrivals change nothing."""
    sid = request.form.get("MessageSid", "")
    try:
        status = DeliveryStatus(request.form.get("MessageStatus", ""))
    except ValueError:
        return "", 204  # a status we do not track (e.g. "receiving")
    if not sid:
        return "", 204
    session = get_session()
    result = apply_receipt(
        session=session,
        provider_ref=sid,
        status=status,
        error_code=request.form.get("ErrorCode") or None,
        rules=PanelRules.from_config(current_app.config["PANEL_CONFIG"]),
        now=now(),
    )
    session.commit()
    if not result.found:
        log.info("status callback for an unknown message", extra={"status": str(status)})
    return "", 204
