"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through the official SDK, for mainland numbers.

A mainland provider sends only templates approved in advance under a registered signature:
each message kind has its template code (``PANEL_ALIYUN_TEMPLATE_<KIND>``) and the text's
parameters go as ``TemplateParam`` JSON; ``OutId`` is the outbox row's id.

How the SDK (4.x, read from its source) reports trouble, and so how this module reads it:
- a business error (a bad number, a rate limit, no balance, a bad template) is an HTTP 200
  answer whose ``body.code`` is not ``"OK"``: no exception at all;
- a gateway error (``Throttling.User`` as HTTP 400, bad keys, 5xx) raises an exception
  that carries the code (``ClientException``, ``ThrottlingException``, ``ServerException``);
- a read timeout or a dropped connection raises with no code, even when the provider had
  already taken the message.
So a failure is classified by its *code* (``aliyun_codes.FAULTS``), never by the
exception's class or the HTTP status, and one with no code is ``SmsFault.UNKNOWN``: before
the text is sent again anywhere, ``lookup`` asks ``QuerySendDetails`` whether the row's
``OutId`` is there, so a timeout never becomes a duplicate text. The SDK counts timeouts in
milliseconds and takes ``HTTP_PROXY`` from the environment even for 127.0.0.1 (tests clear it).
"""

from __future__ import annotations

import json
from datetime import datetime

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models as open_api_models
from darabonba.runtime import RuntimeOptions

from .... import timeutil
from ....enums import DeliveryStatus, SmsFault
from .aliyun_codes import SEND_STATUS, fault_of
from .base import Outgoing, SmsFailure

MAINLAND = "+86"

def national(number: str) -> str:
    """An E.164 mainland number as the provider takes it: the 11 digits."""
    return number.removeprefix(MAINLAND)


class AliyunBackend:
    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, str],
        endpoint: str = "dysmsapi.aliyuncs.com",
        protocol: str = "https",
        timeout: float = 10,
    ):
        millis = int(timeout * 1000)  # the SDK's timeouts are in milliseconds
        self.client = Client(
            open_api_models.Config(
                access_key_id=access_key_id,
                access_key_secret=access_key_secret,
                endpoint=endpoint,
                protocol=protocol,
                read_timeout=millis,
                connect_timeout=millis,
            )
        )
        # No retries inside the SDK: the outbox decides (after a look-up) whether to resend.
        self.runtime = RuntimeOptions(read_timeout=millis, connect_timeout=millis, autoretry=False)
        self.sign_name = sign_name
        self.templates = templates

    @classmethod
    def from_config(cls, config) -> AliyunBackend:
        return cls(
            access_key_id=config.ALIYUN_ACCESS_KEY_ID,
            access_key_secret=config.ALIYUN_ACCESS_KEY_SECRET,
            sign_name=config.ALIYUN_SIGN_NAME,
            templates={
                "invitation": config.ALIYUN_TEMPLATE_INVITATION,
                "reminder": config.ALIYUN_TEMPLATE_REMINDER,
                "replacement_invitation": config.ALIYUN_TEMPLATE_REPLACEMENT_INVITATION,
                "withdrawn_notice": config.ALIYUN_TEMPLATE_WITHDRAWN_NOTICE,
            },
            endpoint=config.ALIYUN_ENDPOINT,
            protocol=config.ALIYUN_PROTOCOL,
            timeout=config.ALIYUN_TIMEOUT,
        )

    def can_send(self, to: str) -> bool:
        """Only mainland numbers: the account's templates and signature are for those."""
        return to.startswith(MAINLAND)

    def send(self, message: Outgoing) -> str | None:
        """SendSms with the kind's template; the provider's BizId, or SmsFailure."""
        request = sms_models.SendSmsRequest(
            phone_numbers=national(message.to),
            sign_name=self.sign_name,
            template_code=self.templates[message.kind],
            template_param=json.dumps(message.params, ensure_ascii=False),
            out_id=str(message.message_id),
        )
        body = self._call(self.client.send_sms_with_options, request)
        if body.code != "OK":
            raise _failure(body.code, body.message)
        return body.biz_id

    def lookup(self, message: Outgoing) -> str | None:
        """Whether the provider took ``message`` (by OutId) on the day of its lost answer.

        Returns the provider's id (``aliyun:<OutId>``: the query does not give the BizId)
        or None; raises SmsFailure when the provider cannot be asked now.
        """
        when = message.unconfirmed_since or timeutil.now()
        for detail in self._details(message.to, when, biz_id=None):
            if detail.out_id == str(message.message_id):
                return f"aliyun:{message.message_id}"
        return None

    def poll(
        self, *, to: str, sent_at: datetime, provider_ref: str | None, message_id: int
    ) -> tuple[DeliveryStatus, str | None] | None:
        """The delivery outcome the provider knows for one text, or None while it waits."""
        biz_id = provider_ref if provider_ref and not provider_ref.startswith("aliyun:") else None
        for detail in self._details(to, sent_at, biz_id=biz_id):
            if detail.out_id == str(message_id) and detail.send_status in SEND_STATUS:
                return SEND_STATUS[detail.send_status], detail.err_code
        return None

    def _details(self, to: str, when: datetime, *, biz_id: str | None) -> list:
        request = sms_models.QuerySendDetailsRequest(
            phone_number=national(to),
            send_date=timeutil.localize(when).strftime("%Y%m%d"),
            biz_id=biz_id,
            page_size=50,
            current_page=1,
        )
        body = self._call(self.client.query_send_details_with_options, request)
        if body.code != "OK":
            raise _failure(body.code, body.message)
        dtos = body.sms_send_detail_dtos
        return list(dtos.sms_send_detail_dto or []) if dtos else []

    def _call(self, method, request):
        try:
            return method(request, self.runtime).body
        except Exception as exc:  # noqa: BLE001 - classified by its code below
            code = getattr(exc, "code", None)
            if fault_of(code) == SmsFault.UNKNOWN:
                # A timeout or a dropped connection: the provider may have taken it.
                detail = f"no answer: {type(exc).__name__}"
                raise SmsFailure(detail, fault=SmsFault.UNKNOWN) from exc
            raise _failure(code, getattr(exc, "message", None) or str(exc)) from exc


def _failure(code: str | None, detail: str | None) -> SmsFailure:
    fault = fault_of(code)
    if fault == SmsFault.UNKNOWN:
        fault = SmsFault.TRANSIENT  # an answer without a code: the provider's own trouble
    return SmsFailure((detail or "refused")[:300], code=code, fault=fault)
