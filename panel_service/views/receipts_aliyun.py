"""Alibaba Cloud's delivery reports (its HTTP push of SmsReport): check, record, answer fast.

The provider POSTs a JSON array of reports to ``/sms/aliyun/receipts/<secret>``; the URL
secret (``PANEL_ALIYUN_RECEIPT_SECRET``) is the only credential it can carry, so any other
path is a plain 404. The answer is ``{"code": 0, "msg": "成功"}`` as soon as the reports are
recorded: the provider retries otherwise, and may send the same report twice, which changes
nothing (``delivery.apply_receipt`` never moves a status backwards).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request

from ..db import get_session
from ..enums import DeliveryStatus
from ..messaging.delivery import apply_receipt
from ..rules import PanelRules
from ..timeutil import now

log = logging.getLogger(__name__)

bp = Blueprint("aliyun_receipts", __name__)
MAX_REPORTS = 1000  # one push carries a batch; more than this is not the provider


def require_receipt_secret():
    """Refuse (404) any request whose URL does not carry the configured secret."""
    expected = current_app.config["PANEL_CONFIG"].ALIYUN_RECEIPT_SECRET
    given = (request.view_args or {}).get("secret", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(404)
    return None


require_receipt_secret.is_guard = True


@bp.post("/sms/aliyun/receipts/<secret>")
def reports(secret: str):
    """Record a batch of delivery reports; repeats and late arrivals change nothing."""
    batch = request.get_json(silent=True)
    if not isinstance(batch, list) or len(batch) > MAX_REPORTS:
        return jsonify(code=1, msg="a JSON array of reports is expected"), 400
    session = get_session()
    rules = PanelRules.from_config(current_app.config["PANEL_CONFIG"])
    unknown = 0
    for report in batch:
        if not isinstance(report, dict):
            continue
        out_id = str(report.get("out_id") or "")
        result = apply_receipt(
            session=session,
            provider_ref=str(report.get("biz_id") or ""),
            status=(
                DeliveryStatus.DELIVERED if report.get("success") is True
                else DeliveryStatus.UNDELIVERED
            ),
            error_code=str(report.get("err_code") or "") or None,
            rules=rules,
            now=now(),
            provider="aliyun",
            message_id=int(out_id) if out_id.isdigit() and len(out_id) < 18 else None,
        )  # fmt: skip
        unknown += not result.found
    session.commit()
    if unknown:
        log.info("aliyun reports for unknown messages", extra={"count": unknown})
    return jsonify(code=0, msg="成功")
