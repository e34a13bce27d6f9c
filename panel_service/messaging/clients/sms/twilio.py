"""Twilio's Messages API through the official client, with a bounded HTTP timeout."""

from __future__ import annotations

import logging

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ....enums import SmsFault
from .base import Outgoing, SmsFailure

# Twilio error codes that mean the number itself cannot take our messages: the panelist's
# mobile is marked failing and their seat goes to a substitute.
PERMANENT_NUMBER_CODES = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21408: "not permitted to send to this region",
    21610: "recipient unsubscribed (STOP)",
    21612: "'To' number unreachable from this sender",
    21614: "'To' number is not a mobile number",
    # Delivery-receipt error codes with the same meaning.
    30004: "message blocked by the recipient",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
}
RATE_LIMITED = {20429}
# Our account or sender, not the number: an operator fixes them; meanwhile the text waits
# and goes through the next provider.
ACCOUNT_CODES = {20003, 20005, 21606, 21608, 30002}

# The client logs request bodies (numbers, links) at INFO; never let that reach our logs.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def is_permanent_code(code: int | str | None) -> bool:
    """Whether a Twilio error code condemns the number rather than this one attempt."""
    try:
        return int(code) in PERMANENT_NUMBER_CODES
    except (TypeError, ValueError):
        return False


class TwilioBackend:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        status_callback: str,
        from_: str = "",
        messaging_service_sid: str = "",
        timeout: float = 10,
        api_base_url: str | None = None,
        signature: str = "【12345热线】",
    ):
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base_url:
            # A regional endpoint or, in tests, a local fake Messages API.
            self.client.api.base_url = api_base_url
        self.status_callback = status_callback
        self.from_ = from_
        self.messaging_service_sid = messaging_service_sid
        self.signature = signature

    @classmethod
    def from_config(cls, config) -> TwilioBackend:
        return cls(
            account_sid=config.TWILIO_ACCOUNT_SID,
            auth_token=config.TWILIO_AUTH_TOKEN,
            from_=config.TWILIO_FROM,
            messaging_service_sid=config.TWILIO_MESSAGING_SERVICE_SID,
            timeout=config.TWILIO_TIMEOUT,
            status_callback=status_callback_url(config.PUBLIC_BASE_URL),
            signature=config.SMS_SIGNATURE,
        )

    def send(self, message: Outgoing) -> str | None:
        """Create the message at Twilio; map every failure to one SmsFailure."""
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_}
        )
        try:
            created = self.client.messages.create(
                to=message.to,
                body=message.text(self.signature),
                status_callback=self.status_callback, **sender
            )
        except TwilioRestException as exc:
            raise _failure(exc) from exc
        except requests.RequestException as exc:
            # A read timeout may hide a message Twilio took; it has no look-up by our id, so
            # the text is retried as before (a possible duplicate). The aliyun backend asks
            # the provider first (``lookup``).
            raise SmsFailure(f"network error: {type(exc).__name__}", permanent=False) from exc
        except TwilioException as exc:
            raise SmsFailure(f"twilio client error: {exc}", permanent=False) from exc
        return created.sid


def _failure(exc: TwilioRestException) -> SmsFailure:
    # The client puts the HTTP status in ``code`` when the answer carries no Twilio code.
    code = f"HTTP {exc.status}" if exc.code in (None, exc.status) else str(exc.code)
    if is_permanent_code(exc.code):
        return SmsFailure(PERMANENT_NUMBER_CODES[int(exc.code)], permanent=True, code=code)
    if exc.status == 429 or exc.code in RATE_LIMITED:
        return SmsFailure("rate limited", code=code, fault=SmsFault.THROTTLED)
    if exc.status == 401 or exc.code in ACCOUNT_CODES:
        return SmsFailure(f"account fault: {exc.msg}"[:300], code=code, fault=SmsFault.ACCOUNT)
    # 5xx and everything else (e.g. a bad sender or credentials, fixed by an operator) is
    # retried with backoff until the attempts run out; only the number codes above condemn
    # a panelist's mobile.
    return SmsFailure(f"HTTP {exc.status}: {exc.msg}"[:300], permanent=False, code=code)


def status_callback_url(public_base_url: str) -> str:
    """Where Twilio posts delivery receipts (and the URL its signature covers)."""
    return f"{public_base_url.rstrip('/')}/sms/status"
