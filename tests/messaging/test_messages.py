"""SMS texts: one template per kind, the signature first, at most 2 segments each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from panel_service.access import links
from panel_service.enums import MessageKind
from panel_service.messaging import messages
from panel_service.models import Assignment


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("{" * 80, "GSM-7", 1),  # extension characters cost two septets
        ("{" * 81, "GSM-7", 2),
        ("评" * 70, "UCS-2", 1),
        ("评" * 71, "UCS-2", 2),
        ("评" * 134, "UCS-2", 2),
        ("评" * 135, "UCS-2", 3),
        ("a" * 69 + "评", "UCS-2", 1),  # one Chinese character makes the whole text UCS-2
        ("😀" * 35, "UCS-2", 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, "UCS-2", 2),
        ("", "GSM-7", 1),
    ],
)
def test_count_segments(text, encoding, count):
    segments = messages.count_segments(text)
    assert (segments.encoding, segments.count) == (encoding, count)


def worst_case_token() -> str:
    """A token as long as any the service will send: a 31-bit assignment id."""
    seat = Assignment(
        id=2**31 - 1, appeal_id=1, panelist_id=1, link_nonce="f" * 16,
        deadline=datetime(2025, 1, 1, tzinfo=UTC), created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    return links.make_token(assignment=seat, secret_keys=["k" * 40])


def texts(kind, base_url, deadline=datetime(2025, 12, 31, 15, 59, tzinfo=UTC)):
    params = messages.parameters(
        kind, reference="AP-2025-999999", deadline=deadline, token=worst_case_token()
    )
    return messages.render(kind, signature="【12345热线】", params=params, base_url=base_url)


@pytest.mark.parametrize("kind", list(messages.TEMPLATES))
@pytest.mark.parametrize(
    "base_url", ["https://panel.example.cn", "https://pingyi.xianning12345.gov.cn"]
)
def test_every_template_fits_in_two_segments(kind, base_url):
    text = texts(kind, base_url)
    assert messages.count_segments(text).count <= 2, (kind, len(text), text)


def test_every_sms_kind_has_a_template():
    sms_kinds = set(MessageKind) - {MessageKind.WEBHOOK}
    assert set(messages.TEMPLATES) == sms_kinds


def test_render_puts_the_signature_first_and_shows_local_time_with_the_weekday():
    params = messages.parameters(
        MessageKind.INVITATION, reference="AP-2025-000123",
        deadline=datetime(2025, 9, 27, 2, 0, tzinfo=UTC), token="abc",
    )  # fmt: skip
    text = messages.render(
        MessageKind.INVITATION, signature="【咸宁12345】", params=params,
        base_url="https://panel.example.cn",
    )  # fmt: skip
    assert text.startswith("【咸宁12345】")
    assert "AP-2025-000123" in text and "9月27日（周六）10:00" in text  # Asia/Shanghai
    assert text.endswith("https://panel.example.cn/v/abc")


def test_withdrawn_notice_carries_no_link():
    params = messages.parameters(MessageKind.WITHDRAWN_NOTICE, reference="AP-2025-000123")
    assert params == {"ref": "AP-2025-000123"}
    text = messages.render(
        MessageKind.WITHDRAWN_NOTICE, signature="【12345热线】", params=params,
        base_url="https://panel.example.cn",
    )  # fmt: skip
    assert "http" not in text and "撤回" in text


@pytest.mark.parametrize("kind", list(messages.TEMPLATES))
def test_the_registered_template_names_the_domain_and_rendering_fills_only_variables(kind):
    template = messages.registered_template(kind, "https://panel.example.cn/")
    assert "{link}" not in template and "${ref}" in template
    if "${token}" in template:
        assert "https://panel.example.cn/v/${token}" in template  # fixed domain, as required
    params = {name: f"<{name}>" for name in messages.variables(kind)}
    text = messages.render(kind, signature="", params=params, base_url="https://panel.example.cn")
    assert text == template.replace("${", "<").replace("}", ">")
