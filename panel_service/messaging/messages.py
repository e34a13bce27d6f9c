"""The text of every SMS, in one place, and how many segments a text costs.

Each kind's template lives in ``TEMPLATES``; ``render`` fills it in. The signature
(``PANEL_SMS_SIGNATURE``, e.g. 【12345热线】) is prefixed to every message, as mainland
carriers require. Chinese text is sent as UCS-2: 70 characters fit one segment, 67 per
segment once a text is split; ``tests/test_messages.py`` keeps every template within 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..enums import MessageKind

TEMPLATES: dict[MessageKind, str] = {
    MessageKind.INVITATION: "您已被抽选评议申诉{ref},请于{deadline}前投票:{url}",
    MessageKind.REMINDER: "提醒:申诉{ref}的评议将于{deadline}截止,您尚未投票:{url}",
    MessageKind.REPLACEMENT_INVITATION: "您已被递补评议申诉{ref},请于{deadline}前投票:{url}",
    MessageKind.WITHDRAWN_NOTICE: "申诉{ref}已撤回,无需评议,原链接已失效。感谢支持!",
}

# GSM 03.38: the basic set costs one septet a character, the extension set two.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def count_segments(text: str) -> Segments:
    """How the text will be encoded and how many SMS segments it takes."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    count = 1 if units <= single else math.ceil(units / multi)
    return Segments(encoding, units, max(count, 1))


def format_deadline(deadline: datetime, tz_name: str) -> str:
    """A deadline as panelists read it: local month, day and minute, e.g. 9月27日10:00."""
    local = deadline.astimezone(ZoneInfo(tz_name))
    return f"{local.month}月{local.day}日{local:%H:%M}"


def render(
    kind: MessageKind,
    *,
    signature: str,
    reference: str,
    deadline: datetime | None = None,
    url: str = "",
    tz_name: str = "Asia/Shanghai",
) -> str:
    """The full text of one SMS of this kind, signature first."""
    when = format_deadline(deadline, tz_name) if deadline is not None else ""
    return signature + TEMPLATES[kind].format(ref=reference, deadline=when, url=url)
