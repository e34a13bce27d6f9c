"""Two providers, each a local fake over real HTTP driven by its official SDK: failover,
account faults, look-ups after a lost answer, polling; every text delivered exactly once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import select

from panel_service import timeutil
from panel_service.appeals.submission import create_appeal
from panel_service.enums import (
    AssignmentState,
    DeliveryStatus,
    OutboxChannel,
    OutboxStatus,
)
from panel_service.messaging import providers
from panel_service.messaging.clients.sms.aliyun import AliyunBackend
from panel_service.messaging.clients.sms.twilio import TwilioBackend
from panel_service.messaging.worker import Worker
from panel_service.models import Assignment, OutboxMessage, Panelist, SmsProviderHealth

from .. import factories
from .fake_aliyun import FakeAliyun
from .test_sms_aliyun import TEMPLATES
from .test_sms_twilio import SID, TOKEN, FakeMessagesApi

POLICY = providers.Policy(failover_after=3, cooldown=timedelta(minutes=5))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def aliyun():
    server = FakeAliyun()
    yield server
    server.close()


@pytest.fixture
def twilio():
    fake = FakeMessagesApi()
    fake.thread.start()
    for n in range(100):  # a fresh SID for every message
        fake.answer(201, {"sid": f"SM{n:032d}", "status": "queued"})
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def make(engine, sms_settings, rules, aliyun, twilio=None, **kw) -> Worker:
    backends = {
        "aliyun": AliyunBackend(
            access_key_id="LTAI5tTest", access_key_secret="secret", sign_name="12345热线",
            templates=TEMPLATES, endpoint=aliyun.endpoint, protocol="http", timeout=1,
        ),
    }  # fmt: skip
    if twilio is not None:
        backends["twilio"] = TwilioBackend(
            account_sid=SID, auth_token=TOKEN, status_callback="https://panel.example.cn/sms/status",
            from_="+15005550006", timeout=2, api_base_url=twilio.url,
        )  # fmt: skip
    return Worker(engine=engine, settings=sms_settings, rules=rules, backends=backends,
                  policy=POLICY, **kw)  # fmt: skip


def sms_rows(session):
    session.rollback()
    session.expire_all()
    found = session.exec(
        select(OutboxMessage).where(OutboxMessage.channel == OutboxChannel.SMS)
        .order_by(OutboxMessage.id)
    ).all()  # fmt: skip
    session.commit()
    return found


def at(instant):
    timeutil.set_clock(lambda: instant)
    return instant


def appeals(session, department, rules, now, n):
    for _ in range(n):
        create_appeal(session=session, data=factories.appeal_input(department=department.code),
                      submitted_by="staff:test", rules=rules, now=now)  # fmt: skip
    session.commit()


def test_failover_delivers_every_text_exactly_once_by_the_provider_the_rules_say(
    engine, session, pool, department, rules, now, sms_settings, aliyun, twilio
):
    appeals(session, department, rules, now, 4)  # 20 invitations
    # The mainland provider takes six texts, takes a seventh but answers too late, then
    # fails twice: three failures in a row set it aside, and the rest go to Twilio.
    aliyun.script = [("ok",)] * 6 + [("late", 3), ("http", 503, "ServiceUnavailable"),
                                     ("http", 503, "ServiceUnavailable")]  # fmt: skip
    aliyun.default = ("http", 503, "ServiceUnavailable")
    worker = make(engine, sms_settings, rules, aliyun, twilio)
    worker.run_once()
    rows = sms_rows(session)
    assert [r.provider for r in rows] == ["aliyun"] * 9 + ["twilio"] * 11
    assert Counter(r.status for r in rows) == {OutboxStatus.SENT: 17, OutboxStatus.PENDING: 3}
    assert rows[6].unconfirmed_provider == "aliyun"  # the lost answer
    [health] = session.exec(select(SmsProviderHealth).where(SmsProviderHealth.name == "aliyun"))
    assert health.fault == "transient" and health.down_until == now + POLICY.cooldown
    at(now + timedelta(seconds=31))
    worker.run_once()
    rows = sms_rows(session)
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    # The text the provider took before its answer was lost is confirmed, not resent.
    assert (rows[6].provider, rows[6].provider_ref, rows[6].unconfirmed_provider) == (
        "aliyun", f"aliyun:{rows[6].id}", None,
    )
    assert [r.provider for r in rows] == ["aliyun"] * 7 + ["twilio"] * 13
    # Exactly once: seven texts taken by the one, thirteen by the other, none by both.
    assert sorted(aliyun.out_ids()) == sorted(str(r.id) for r in rows[:7])
    bodies = [r["form"]["Body"] for r in twilio.requests]
    tokens = [re.search(r"/v/(\S+)$", b).group(1) for b in bodies]
    assert len(bodies) == 13 and len(set(tokens)) == 13
    refs = Counter(re.search(r"AP-\d{4}-\d{6}", b).group(0) for b in bodies)
    assert sum(refs.values()) == 13


def test_an_account_fault_sets_the_provider_aside_and_the_text_waits(
    engine, session, appeal, rules, now, sms_settings, aliyun, app, admin_client
):
    aliyun.script = [("code", "isv.AMOUNT_NOT_ENOUGH")]
    worker = make(engine, sms_settings, rules, aliyun)
    worker.run_once()
    rows = sms_rows(session)
    assert {r.status for r in rows} == {OutboxStatus.PENDING}  # waiting, none failed
    assert len(aliyun.accepted) == 0 and len(aliyun.requests) == 1  # the rest never tried
    app.config["PANEL_CONFIG"].SMS_BACKENDS = ["aliyun"]  # what the web instances report
    ready = app.test_client().get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 200 and "sms_providers" in body["warnings"]
    assert body["checks"]["sms_providers"]["providers"]["aliyun"] == {
        "available": False, "fault": "account", "consecutive_failures": 1,
    }
    page = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "isv.AMOUNT_NOT_ENOUGH" in page and "账户" in page  # "account fault", in Chinese
    for minutes in (1, 2, 4):  # within the cool-down nothing is even claimed
        at(now + timedelta(minutes=minutes))
        worker.run_once()
    assert {r.attempts for r in sms_rows(session)} <= {1}
    at(now + timedelta(minutes=5, seconds=1))  # the balance was topped up meanwhile
    worker.run_once()
    rows = sms_rows(session)
    assert {(r.status, r.provider) for r in rows} == {(OutboxStatus.SENT, "aliyun")}
    assert len(aliyun.accepted) == 5


def test_a_bad_number_from_the_provider_hands_the_seat_on(
    engine, session, appeal, rules, now, sms_settings, aliyun
):
    aliyun.script = [("code", "isv.MOBILE_NUMBER_ILLEGAL")]
    make(engine, sms_settings, rules, aliyun).run_once()
    rows = sms_rows(session)
    failed = [r for r in rows if r.status == OutboxStatus.FAILED]
    assert len(failed) == 1 and failed[0].last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL")
    seat = session.get(Assignment, failed[0].assignment_id)
    assert seat.state == AssignmentState.REPLACED
    assert session.get(Panelist, seat.panelist_id).mobile_failing_since == now
    [health] = session.exec(select(SmsProviderHealth)).all() or [None]
    assert health is not None and health.down_until is None  # the provider is fine


def test_a_lost_answer_is_checked_before_any_resend_and_never_duplicated(
    engine, session, appeal, rules, now, sms_settings, aliyun
):
    aliyun.script = [("drop",), ("late", 3)]  # one never arrives, one arrives unanswered
    worker = make(engine, sms_settings, rules, aliyun)
    worker.run_once()
    unsure = [r for r in sms_rows(session) if r.unconfirmed_provider == "aliyun"]
    assert len(unsure) == 2 and len(aliyun.accepted) == 4
    at(now + timedelta(seconds=31))
    worker.run_once()
    rows = sms_rows(session)
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert Counter(aliyun.out_ids()) == Counter({str(r.id): 1 for r in rows})  # once each


def test_texts_without_a_receipt_are_polled(
    engine, session, appeal, rules, now, sms_settings, aliyun
):
    worker = make(engine, sms_settings, rules, aliyun, receipt_poll_after=timedelta(minutes=15))
    worker.run_once()
    first = sms_rows(session)[0]
    aliyun.statuses[str(first.id)] = (3, "DELIVERED")
    at(now + timedelta(minutes=14))
    worker.run_once()
    assert not any(r["action"] == "QuerySendDetails" for r in aliyun.requests)
    at(now + timedelta(minutes=16))
    report = worker.run_once()
    rows = sms_rows(session)
    assert report.counts[f"receipts polled: {DeliveryStatus.DELIVERED}"] == 1
    assert rows[0].status == OutboxStatus.DELIVERED
    assert {r.status for r in rows[1:]} == {OutboxStatus.SENT}  # still waiting: asked again
    asked = sum(r["action"] == "QuerySendDetails" for r in aliyun.requests)
    worker.run_once()  # not again before the next interval
    assert sum(r["action"] == "QuerySendDetails" for r in aliyun.requests) == asked


def test_the_worker_refuses_a_lease_the_mainland_provider_could_outlast(engine):
    from panel_service.config import Config
    from panel_service.messaging.worker import build_worker

    config = Config.from_env(
        environ={}, SMS_BACKENDS=["aliyun"], ALIYUN_ACCESS_KEY_ID="LTAI5t",
        ALIYUN_ACCESS_KEY_SECRET="secret", ALIYUN_SIGN_NAME="12345热线", ALIYUN_TIMEOUT=60,
        **{f"ALIYUN_TEMPLATE_{k.upper()}": v for k, v in TEMPLATES.items()},
    )  # fmt: skip
    with pytest.raises(ValueError, match="twice the SMS provider timeout"):
        build_worker(config, engine=engine, lease=timedelta(seconds=90))
    worker = build_worker(config, engine=engine)
    assert list(worker.backends) == ["aliyun"] and worker.provider_timeout == 60
