"""The text of every SMS, in one place, and how many segments a text costs.

A text is a *kind* and its *parameters*: ``ref`` (the appeal's reference), ``deadline``
(as people read it, ``9月27日（周六）18:00``) and, for invitations and reminders, ``token``
(the link's credential). ``TEMPLATES`` holds each kind's wording with ``${name}``
variables and the link written ``{link}``: ``registered_template`` fills in the service's
own domain (``PANEL_PUBLIC_BASE_URL/v/${token}``), which is the exact text to register
with a mainland provider, whose templates must name the link's domain in their fixed
part; ``render`` fills in everything, for the backends that write the text themselves
(console, file, Twilio). The signature (``PANEL_SMS_SIGNATURE``, e.g. 【12345热线】) is
prefixed to every message, as mainland carriers require. Chinese text is sent as UCS-2:
70 characters fit one segment, 67 per segment once a text is split;
``tests/messaging/test_messages.py`` keeps every text within 2.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from ..enums import MessageKind
from ..timeutil import deadline_text

TEMPLATES: dict[MessageKind, str] = {
    MessageKind.INVITATION: "您已被抽选评议申诉${ref},请于${deadline}前投票:{link}",
    MessageKind.REMINDER: "提醒:申诉${ref}评议将于${deadline}截止,您尚未投票:{link}",
    MessageKind.REPLACEMENT_INVITATION: "您已被递补评议申诉${ref},请于${deadline}前投票:{link}",
    MessageKind.WITHDRAWN_NOTICE: "申诉${ref}已撤回,无需评议,原链接已失效。感谢支持!",
}
_VARIABLE = re.compile(r"\$\{(\w+)\}")

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


def format_deadline(deadline: datetime) -> str:
    """A deadline as panelists read it: ``9月27日（周六）18:00`` in the service zone."""
    return deadline_text(deadline)


def parameters(
    kind: MessageKind, *, reference: str, deadline: datetime | None = None, token: str = ""
) -> dict[str, str]:
    """The variables of one text of this kind (only those its template uses)."""
    values = {
        "ref": reference,
        "deadline": format_deadline(deadline) if deadline is not None else "",
        "token": token,
    }
    return {name: values[name] for name in variables(kind)}


def variables(kind: MessageKind) -> list[str]:
    """The names of the kind's variables, in the order they appear."""
    return _VARIABLE.findall(registered_template(kind, "https://x"))


def registered_template(kind: MessageKind, base_url: str) -> str:
    """The template to register with a provider: fixed text, this domain, ``${...}``."""
    return TEMPLATES[MessageKind(kind)].replace("{link}", f"{base_url.rstrip('/')}/v/${{token}}")


def render(kind: MessageKind, *, signature: str, params: dict[str, str], base_url: str) -> str:
    """The full text of one SMS of this kind, signature first."""
    template = registered_template(kind, base_url)
    return signature + _VARIABLE.sub(lambda m: params[m.group(1)], template)


# The longest value each variable takes: a reference, a deadline (a two-digit month and
# day), a link token (36-39 characters; see access/links.py).
LONGEST = {"ref": "AP-2099-999999", "deadline": "12月31日（周三）18:00", "token": "x" * 39}


def longest_text(kind: MessageKind, *, signature: str, base_url: str) -> str:
    """The longest text of this kind the service sends: every variable at its longest."""
    params = {name: LONGEST[name] for name in variables(kind)}
    return render(kind, signature=signature, params=params, base_url=base_url)
