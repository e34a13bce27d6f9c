"""The aliyun backend: the official SDK making real HTTP requests to a local fake API."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from panel_service.config import Config
from panel_service.enums import DeliveryStatus, SmsFault
from panel_service.messaging.clients.sms import make_backends
from panel_service.messaging.clients.sms.aliyun import AliyunBackend
from panel_service.messaging.clients.sms.base import Outgoing, SmsFailure

from .fake_aliyun import FakeAliyun

TEMPLATES = {
    "invitation": "SMS_100000001", "reminder": "SMS_100000002",
    "replacement_invitation": "SMS_100000003", "withdrawn_notice": "SMS_100000004",
}  # fmt: skip
PARAMS = {"ref": "AP-2025-000123", "deadline": "9月28日（周日）18:00", "token": "t" * 38}
MESSAGE = Outgoing(41, 1, "invitation", "+8613812345678", PARAMS, "AP-2025-000123",
                   base_url="https://panel.example.cn")  # fmt: skip


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """The SDK sends even 127.0.0.1 through HTTP(S)_PROXY when one is set."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake():
    server = FakeAliyun()
    yield server
    server.close()


def backend(fake, timeout=2) -> AliyunBackend:
    return AliyunBackend(
        access_key_id="LTAI5tTestKeyId", access_key_secret="test-secret", sign_name="12345热线",
        templates=TEMPLATES, endpoint=fake.endpoint, protocol="http", timeout=timeout,
    )  # fmt: skip


def test_send_names_the_template_and_sends_only_the_parameters(fake):
    biz_id = backend(fake).send(MESSAGE)
    [request] = fake.requests
    assert request["action"] == "SendSms" and biz_id == fake.accepted[0]["BizId"]
    params = request["params"]
    assert params["PhoneNumbers"] == "13812345678"  # the 11 digits
    assert (params["SignName"], params["TemplateCode"], params["OutId"]) == (
        "12345热线", "SMS_100000001", "41",
    )
    assert json.loads(params["TemplateParam"]) == PARAMS  # no body, no link: the template's


@pytest.mark.parametrize(
    ("step", "fault", "code"),
    [
        # Business errors: HTTP 200, body.code != "OK", no exception from the SDK.
        (("code", "isv.MOBILE_NUMBER_ILLEGAL"), SmsFault.NUMBER, "isv.MOBILE_NUMBER_ILLEGAL"),
        (("code", "isv.BLACK_KEY_CONTROL_LIMIT"), SmsFault.NUMBER, "isv.BLACK_KEY_CONTROL_LIMIT"),
        (("code", "isv.BUSINESS_LIMIT_CONTROL"), SmsFault.THROTTLED, "isv.BUSINESS_LIMIT_CONTROL"),
        (("code", "isv.AMOUNT_NOT_ENOUGH"), SmsFault.ACCOUNT, "isv.AMOUNT_NOT_ENOUGH"),
        (("code", "isv.SMS_TEMPLATE_ILLEGAL"), SmsFault.ACCOUNT, "isv.SMS_TEMPLATE_ILLEGAL"),
        (("code", "isv.SMS_SIGNATURE_ILLEGAL"), SmsFault.ACCOUNT, "isv.SMS_SIGNATURE_ILLEGAL"),
        (("code", "isv.TEMPLATE_MISSING_PARAMETERS"), SmsFault.ACCOUNT,
         "isv.TEMPLATE_MISSING_PARAMETERS"),
        (("code", "isp.SYSTEM_ERROR"), SmsFault.TRANSIENT, "isp.SYSTEM_ERROR"),
        (("code", "isv.SOMETHING_NEW"), SmsFault.TRANSIENT, "isv.SOMETHING_NEW"),
        # Gateway errors: the SDK raises, with the code.
        (("http", 400, "Throttling.User"), SmsFault.THROTTLED, "Throttling.User"),
        (("http", 404, "InvalidAccessKeyId.NotFound"), SmsFault.ACCOUNT,
         "InvalidAccessKeyId.NotFound"),
        (("http", 400, "SignatureDoesNotMatch"), SmsFault.ACCOUNT, "SignatureDoesNotMatch"),
        (("http", 503, "ServiceUnavailable"), SmsFault.TRANSIENT, "ServiceUnavailable"),
        (("http", 500, "InternalError"), SmsFault.TRANSIENT, "InternalError"),
        # No answer at all: raised with no code.
        (("drop",), SmsFault.UNKNOWN, None),
    ],
)  # fmt: skip
def test_the_code_decides_the_path_not_the_exception(fake, step, fault, code):
    fake.script = [step]
    with pytest.raises(SmsFailure) as raised:
        backend(fake).send(MESSAGE)
    assert (raised.value.fault, raised.value.code) == (fault, code)
    assert raised.value.permanent is (fault == SmsFault.NUMBER)
    assert len([r for r in fake.requests if r["action"] == "SendSms"]) == 1  # no SDK retries


def test_a_late_answer_is_an_unknown_outcome_within_the_timeout_in_milliseconds(fake):
    fake.script = [("late", 3)]
    started = time.monotonic()
    with pytest.raises(SmsFailure) as raised:
        backend(fake, timeout=1).send(MESSAGE)
    assert time.monotonic() - started < 2.5  # 1 s, not 1000 s nor the 3 s the fake waits
    assert raised.value.fault == SmsFault.UNKNOWN and raised.value.code is None
    assert fake.out_ids() == ["41"]  # yet the provider took it


def test_the_lookup_finds_a_text_taken_before_the_answer_was_lost(fake):
    fake.script = [("late", 3)]
    with pytest.raises(SmsFailure):
        backend(fake, timeout=1).send(MESSAGE)
    asked = Outgoing(41, 2, "invitation", "+8613812345678", PARAMS, "AP-2025-000123",
                     unconfirmed_provider="aliyun",
                     unconfirmed_since=datetime(2025, 9, 24, 2, 0, tzinfo=UTC))  # fmt: skip
    assert backend(fake).lookup(asked) == "aliyun:41"
    query = fake.requests[-1]
    assert query["action"] == "QuerySendDetails"
    assert (query["params"]["PhoneNumber"], query["params"]["SendDate"]) == (
        "13812345678", "20250924",  # the day in Beijing
    )


def test_the_lookup_says_no_for_a_text_never_taken(fake):
    fake.script = [("drop",)]
    with pytest.raises(SmsFailure):
        backend(fake).send(MESSAGE)
    assert backend(fake).lookup(MESSAGE) is None


def test_a_failed_lookup_raises_so_nothing_is_sent_blind(fake):
    fake.query_script = [("http", 503, "ServiceUnavailable")]
    with pytest.raises(SmsFailure) as raised:
        backend(fake).lookup(MESSAGE)
    assert raised.value.fault == SmsFault.TRANSIENT


def test_poll_reads_the_delivery_outcome(fake):
    backend(fake).send(MESSAGE)
    sent_at = datetime(2025, 9, 24, 2, 0, tzinfo=UTC)
    ask = dict(to=MESSAGE.to, sent_at=sent_at, provider_ref=fake.accepted[0]["BizId"],
               message_id=41)  # fmt: skip
    assert backend(fake).poll(**ask) is None  # still waiting for the carrier
    assert fake.requests[-1]["params"]["BizId"] == fake.accepted[0]["BizId"]
    fake.statuses["41"] = (3, "DELIVERED")
    assert backend(fake).poll(**ask) == (DeliveryStatus.DELIVERED, "DELIVERED")
    fake.statuses["41"] = (2, "MK:0001")
    assert backend(fake).poll(**ask) == (DeliveryStatus.UNDELIVERED, "MK:0001")


def test_only_mainland_numbers_go_through_it(fake):
    assert backend(fake).can_send("+8613812345678")
    assert not backend(fake).can_send("+85291234567")


def test_the_registry_builds_it_from_configuration(fake):
    config = Config.from_env(
        environ={}, SMS_BACKENDS=["aliyun", "console"], ALIYUN_ACCESS_KEY_ID="LTAI5t",
        ALIYUN_ACCESS_KEY_SECRET="secret", ALIYUN_SIGN_NAME="12345热线",
        ALIYUN_ENDPOINT=fake.endpoint, ALIYUN_PROTOCOL="http",
        **{f"ALIYUN_TEMPLATE_{k.upper()}": v for k, v in TEMPLATES.items()},
    )  # fmt: skip
    backends = make_backends(config)
    assert list(backends) == ["aliyun", "console"]
    assert backends["aliyun"].send(MESSAGE) == fake.accepted[0]["BizId"]
    assert backends["aliyun"].templates == TEMPLATES
