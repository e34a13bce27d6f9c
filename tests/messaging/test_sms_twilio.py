"""The twilio backend: the real client making real HTTP requests to a local fake API."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from panel_service.config import Config
from panel_service.enums import SmsFault
from panel_service.messaging.clients.sms import Outgoing, SmsFailure, make_backend
from panel_service.messaging.clients.sms.twilio import TwilioBackend

SID = "AC" + "0" * 32
TOKEN = "twilio-test-auth-token"
MESSAGE = Outgoing(
    7, 1, "invitation", "+8613812345678",
    {"ref": "AP-1", "deadline": "9月27日（周六）18:00", "token": "tok"}, "AP-1",
    base_url="https://panel.example.cn",
)  # fmt: skip
CALLBACK = "https://panel.example.cn/sms/status"


class FakeMessagesApi:
    """A Messages API on 127.0.0.1: records each request and plays scripted answers."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict | None, float]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode("utf-8"))
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers),
                     "form": {k: v[0] for k, v in form.items()}}
                )
                status, payload, delay = fake.answers.pop(0) if fake.answers else (201, None, 0)
                if delay:
                    time.sleep(delay)
                payload = payload or {"sid": "SM" + "a" * 32, "status": "queued"}
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, status: int, payload: dict | None = None, delay: float = 0) -> None:
        self.answers.append((status, payload, delay))


@pytest.fixture
def fake_api():
    fake = FakeMessagesApi()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def backend(fake, **kw) -> TwilioBackend:
    values = dict(account_sid=SID, auth_token=TOKEN, status_callback=CALLBACK,
                  from_="+15005550006", timeout=2, api_base_url=fake.url)
    values.update(kw)
    return TwilioBackend(**values)


def test_a_message_is_created_with_sender_callback_and_basic_auth(fake_api):
    fake_api.answer(201, {"sid": "SM" + "1" * 32, "status": "queued"})
    assert backend(fake_api).send(MESSAGE) == "SM" + "1" * 32
    [request] = fake_api.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["form"] == {
        "To": "+8613812345678", "From": "+15005550006", "Body": MESSAGE.text("【12345热线】"),
        "StatusCallback": CALLBACK,
    }
    auth = request["headers"]["Authorization"]
    assert auth == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()


def test_a_messaging_service_replaces_the_from_number(fake_api):
    backend(fake_api, from_="", messaging_service_sid="MG" + "9" * 32).send(MESSAGE)
    form = fake_api.requests[0]["form"]
    assert form["MessagingServiceSid"] == "MG" + "9" * 32 and "From" not in form


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, 21211, True),  # invalid number
        (400, 21614, True),  # not a mobile
        (400, 21610, True),  # unsubscribed
        (400, 21612, True),  # unreachable from this sender
        (400, 21408, True),  # region not permitted
        (429, 20429, False),  # rate limited
        (500, None, False),
        (503, None, False),
        (401, 20003, False),  # bad credentials: an operator fixes them, the number is fine
    ],
)
def test_error_answers_map_to_permanent_or_retry(fake_api, status, code, permanent):
    payload = {"status": status, "message": "nope", "more_info": "https://www.twilio.com"}
    if code is not None:
        payload["code"] = code
    fake_api.answer(status, payload)
    with pytest.raises(SmsFailure) as raised:
        backend(fake_api).send(MESSAGE)
    assert raised.value.permanent is permanent
    assert raised.value.code == (str(code) if code else f"HTTP {status}")
    assert len(fake_api.requests) == 1  # the client itself never retries


def test_a_hanging_api_times_out_as_a_transient_failure(fake_api):
    fake_api.answer(201, delay=3)
    started = time.monotonic()
    with pytest.raises(SmsFailure) as raised:
        backend(fake_api, timeout=0.5).send(MESSAGE)
    assert time.monotonic() - started < 2.5
    assert not raised.value.permanent and "network error" in raised.value.detail


def test_an_unreachable_api_is_a_transient_failure():
    with pytest.raises(SmsFailure) as raised:
        TwilioBackend(account_sid=SID, auth_token=TOKEN, status_callback=CALLBACK,
                      from_="+15005550006", api_base_url="http://127.0.0.1:9").send(MESSAGE)
    assert not raised.value.permanent


def test_the_backend_is_built_from_configuration():
    config = Config.from_env(
        environ={}, ENV="testing", SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM="+15005550006", TWILIO_TIMEOUT=7,
        PUBLIC_BASE_URL="https://panel.example.cn/",
    )
    built = make_backend(config)
    assert isinstance(built, TwilioBackend)
    assert built.status_callback == CALLBACK
    assert built.client.http_client.timeout == 7


def test_worker_sends_through_twilio_and_stores_the_sid(fake_api, session, appeal, make_worker):
    from sqlmodel import select

    from panel_service.enums import OutboxStatus
    from panel_service.models import OutboxMessage

    for n in range(5):
        fake_api.answer(201, {"sid": f"SM{n:032d}", "status": "queued"})
    report = make_worker(backend(fake_api)).run_once()
    assert report.counts["sent"] == 5
    stored = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.provider_ref for m in stored] == [f"SM{n:032d}" for n in range(5)]
    assert {m.status for m in stored} == {OutboxStatus.SENT}
    assert [r["form"]["To"] for r in fake_api.requests] == [m.recipient for m in stored]


@pytest.mark.parametrize(
    ("status", "code", "fault"),
    [(401, 20003, SmsFault.ACCOUNT), (400, 21606, SmsFault.ACCOUNT),
     (429, 20429, SmsFault.THROTTLED), (500, None, SmsFault.TRANSIENT),
     (400, 21211, SmsFault.NUMBER)],
)  # fmt: skip
def test_twilio_answers_map_to_the_same_faults_as_the_mainland_provider(
    fake_api, status, code, fault
):
    payload = {"status": status, "message": "nope", **({"code": code} if code else {})}
    fake_api.answer(status, payload)
    with pytest.raises(SmsFailure) as raised:
        backend(fake_api).send(MESSAGE)
    assert raised.value.fault == fault
