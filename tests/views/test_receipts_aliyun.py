"""POST /sms/aliyun/receipts/<secret>: Alibaba Cloud's pushed reports, applied idempotently."""

from __future__ import annotations

import pytest
from sqlmodel import select

from panel_service.enums import AssignmentState, OutboxStatus
from panel_service.messaging import outbox
from panel_service.models import Assignment, OutboxMessage, Panelist

SECRET = "r" * 40


@pytest.fixture
def receipts(app):
    app.config["PANEL_CONFIG"].ALIYUN_RECEIPT_SECRET = SECRET
    return app


@pytest.fixture
def sent(session, appeal, sms_settings, now):
    """The appeal's five invitations, taken by aliyun with BizIds B0..B4."""
    claimed = outbox.claim(session=session, settings=sms_settings, now=now, limit=5)
    for n, o in enumerate(claimed):
        row = session.get(OutboxMessage, o.message_id)
        outbox.mark_sent(message=row, provider_ref=f"90061974693649844{n}^0", now=now,
                         provider="aliyun")  # fmt: skip
    session.commit()
    return [session.get(OutboxMessage, o.message_id) for o in claimed]


def report(message, n, *, success=True, err_code="DELIVERED"):
    return {
        "phone_number": message.recipient.removeprefix("+86"), "send_time": "2025-09-24 10:00:01",
        "report_time": "2025-09-24 10:00:05", "success": success, "err_code": err_code,
        "err_msg": "用户接收成功" if success else "失败", "sms_size": "2",
        "biz_id": f"90061974693649844{n}^0", "out_id": str(message.id),
    }  # fmt: skip


def reload(session, message):
    session.rollback()
    session.expire_all()
    found = session.get(OutboxMessage, message.id)
    session.commit()
    return found


def post(client, body, secret=SECRET):
    return client.post(f"/sms/aliyun/receipts/{secret}", json=body)


def test_a_report_marks_the_text_delivered_and_answers_code_0(receipts, client, session, sent):
    response = post(client, [report(sent[0], 0), report(sent[1], 1)])
    assert response.status_code == 200 and response.get_json()["code"] == 0
    assert reload(session, sent[0]).status == OutboxStatus.DELIVERED
    assert reload(session, sent[1]).status == OutboxStatus.DELIVERED
    assert reload(session, sent[2]).status == OutboxStatus.SENT


@pytest.mark.parametrize("secret", ["wrong", "r" * 39, "r" * 41])
def test_anything_but_the_secret_is_a_plain_404(receipts, client, session, sent, secret):
    response = post(client, [report(sent[0], 0)], secret=secret)
    assert response.status_code == 404
    assert reload(session, sent[0]).status == OutboxStatus.SENT


def test_no_secret_configured_means_no_endpoint(app, client, session, sent):
    assert post(client, [report(sent[0], 0)], secret="").status_code == 404
    assert post(client, [report(sent[0], 0)], secret="anything").status_code == 404


def test_the_same_report_twice_and_a_late_contrary_one_change_nothing(
    receipts, client, session, sent
):
    for _ in range(2):
        assert post(client, [report(sent[0], 0)]).get_json()["code"] == 0
    late = post(client, [report(sent[0], 0, success=False, err_code="MK:0001")])
    assert late.get_json()["code"] == 0
    message = reload(session, sent[0])
    assert (message.status, message.provider_status) == (OutboxStatus.DELIVERED, "delivered")


def test_a_report_found_by_out_id_when_the_biz_id_is_unknown(receipts, client, session, sent):
    # A text confirmed by look-up after a lost answer has no BizId stored.
    row = session.get(OutboxMessage, sent[0].id)
    row.provider_ref = f"aliyun:{row.id}"
    session.commit()
    assert post(client, [report(sent[0], 0)]).get_json()["code"] == 0
    assert reload(session, sent[0]).status == OutboxStatus.DELIVERED


def test_a_bad_number_report_hands_the_seat_on(receipts, client, session, sent, now):
    bad = report(sent[0], 0, success=False, err_code="isv.MOBILE_NUMBER_ILLEGAL")
    assert post(client, [bad]).get_json()["code"] == 0
    message = reload(session, sent[0])
    assert message.status == OutboxStatus.FAILED
    seat = session.get(Assignment, message.assignment_id)
    assert seat.state == AssignmentState.REPLACED
    assert session.get(Panelist, seat.panelist_id).mobile_failing_since is not None


def test_a_carrier_failure_is_retried(receipts, client, session, sent):
    assert post(client, [report(sent[1], 1, success=False, err_code="MK:0001")]).status_code == 200
    message = reload(session, sent[1])
    assert message.status == OutboxStatus.PENDING and "MK:0001" in message.last_error


@pytest.mark.parametrize("body", [{"biz_id": "x"}, "[]", None])
def test_a_body_that_is_not_an_array_of_reports_is_refused(receipts, client, body):
    response = client.post(f"/sms/aliyun/receipts/{SECRET}", json=body)
    assert response.status_code == 400 and response.get_json()["code"] != 0


def test_reports_about_unknown_texts_are_acknowledged(receipts, client, session, sent):
    stranger = {**report(sent[0], 0), "biz_id": "1^0", "out_id": "999999"}
    assert post(client, [stranger, "junk"]).get_json()["code"] == 0
    assert len(session.exec(select(OutboxMessage)).all()) == len(sent)
