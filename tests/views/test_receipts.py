"""POST /sms/status: Twilio's signed delivery receipts, applied idempotently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from twilio.request_validator import RequestValidator

from panel_service.enums import AssignmentState, MessageKind, OutboxChannel, OutboxStatus
from panel_service.messaging import outbox
from panel_service.models import Assignment, OutboxMessage, Panelist

TOKEN = "twilio-test-auth-token"
PUBLIC_URL = "https://panel.example.cn/sms/status"  # what Twilio signed


@pytest.fixture
def receipts(app):
    app.config["PANEL_CONFIG"].TWILIO_AUTH_TOKEN = TOKEN
    return app


@pytest.fixture
def sent(session, appeal, sms_settings, now):
    """The appeal's five invitations, accepted by Twilio with SIDs SM0..SM4."""
    claimed = outbox.claim(session=session, settings=sms_settings, now=now, limit=5)
    for n, o in enumerate(claimed):
        row = session.get(OutboxMessage, o.message_id)
        outbox.mark_sent(message=row, provider_ref=f"SM{n}", now=now)
    session.commit()
    return [session.get(OutboxMessage, o.message_id) for o in claimed]


def post(client, params, *, url=PUBLIC_URL, token=TOKEN, signature=None):
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post("/sms/status", data=params, headers=headers)


def receipt(sid, status, **extra):
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, **extra}


def reload(session, message):
    session.rollback()  # end any read snapshot taken before the request
    session.expire_all()
    found = session.get(OutboxMessage, message.id)
    session.commit()
    return found


def test_a_signed_delivered_receipt_marks_the_message_delivered(
    receipts, client, session, sent, now
):
    response = post(client, receipt("SM0", "delivered"))
    assert response.status_code == 204
    message = reload(session, sent[0])
    assert (message.status, message.provider_status, message.delivered_at) == (
        OutboxStatus.DELIVERED, "delivered", now,
    )


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"signature": ""}, "unsigned"),
        ({"signature": "bm90LWEtc2lnbmF0dXJl"}, "forged"),
        ({"token": "someone-elses-token"}, "signed with another token"),
        # Signed for the URL the app sees behind the proxy, not the public one Twilio uses.
        ({"url": "http://localhost/sms/status"}, "signed for the internal URL"),
    ],
)
def test_bad_signatures_are_refused(receipts, client, session, sent, kwargs, why):
    response = post(client, receipt("SM0", "delivered"), **kwargs)
    assert response.status_code == 403, why
    assert reload(session, sent[0]).status == OutboxStatus.SENT


def test_a_tampered_body_is_refused(receipts, client, sent):
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, receipt("SM0", "sent"))
    assert post(client, receipt("SM0", "delivered"), signature=signature).status_code == 403


def test_without_an_auth_token_every_receipt_is_refused(app, client, sent):
    assert post(client, receipt("SM0", "delivered")).status_code == 403


def test_receipts_need_no_csrf_token(receipts, client, sent):
    receipts.config["WTF_CSRF_ENABLED"] = True
    assert post(client, receipt("SM0", "sent")).status_code == 204


def test_status_never_moves_backwards_and_repeats_change_nothing(
    receipts, client, session, sent
):
    for status in ("sent", "delivered", "delivered", "sent", "queued", "undelivered"):
        assert post(client, receipt("SM1", status)).status_code == 204
    message = reload(session, sent[1])
    assert (message.status, message.provider_status) == (OutboxStatus.DELIVERED, "delivered")


def test_an_unknown_sid_or_status_is_ignored(receipts, client, sent):
    assert post(client, receipt("SMunknown", "delivered")).status_code == 204
    assert post(client, receipt("SM0", "receiving")).status_code == 204


def test_a_transient_undelivered_is_retried_with_backoff(receipts, client, session, sent, now):
    assert post(client, receipt("SM2", "undelivered", ErrorCode="30003")).status_code == 204
    message = reload(session, sent[2])
    assert (message.status, message.next_attempt_at) == (
        OutboxStatus.PENDING, now + timedelta(seconds=30),
    )
    assert message.last_error == "30003: delivery undelivered"
    assert post(client, receipt("SM2", "undelivered", ErrorCode="30003")).status_code == 204
    assert reload(session, sent[2]).next_attempt_at == now + timedelta(seconds=30)


def test_a_permanent_failure_marks_the_number_and_replaces_the_seat(
    receipts, client, session, sent, now
):
    assert post(client, receipt("SM3", "failed", ErrorCode="30005")).status_code == 204
    message = reload(session, sent[3])
    assert message.status == OutboxStatus.FAILED
    seat = session.get(Assignment, message.assignment_id)
    assert seat.state == AssignmentState.REPLACED
    assert session.get(Panelist, seat.panelist_id).mobile_failing_since == now
    invites = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.channel == OutboxChannel.SMS,
            OutboxMessage.kind == MessageKind.REPLACEMENT_INVITATION,
        )
    ).all()
    session.commit()
    assert len(invites) == 1 and invites[0].status == OutboxStatus.PENDING
