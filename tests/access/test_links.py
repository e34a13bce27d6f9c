"""Signed panelist links: compact, unforgeable, revocable, rotation-friendly."""

from __future__ import annotations

import string
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import select

from panel_service import timeutil
from panel_service.access import links
from panel_service.config import Config
from panel_service.enums import MessageKind
from panel_service.messaging.messages import count_segments, parameters, render
from panel_service.models import Assignment
from panel_service.panel.draw import new_nonce

OLD_KEY = "old-secret-key-0123456789abcdefghijklmnop"
NEW_KEY = "new-secret-key-0123456789abcdefghijklmnop"
ALPHABET = string.ascii_letters + string.digits + "-_.=~+/%"
BASE_URL_30 = "https://pj.12345hotline.gov.cn/"[:30]


@pytest.fixture
def assignment(session, appeal):
    return session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()


def test_token_round_trip(session, assignment):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    claims = links.read_token(token, secret_keys=[NEW_KEY])
    assert claims == links.LinkClaims(assignment.id, assignment.link_nonce)
    assert links.resolve(session=session, token=token, secret_keys=[NEW_KEY]) == (assignment, True)


def test_token_is_compact_and_carries_64_secret_bits(assignment):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    payload, timestamp, signature = token.split(".")
    assert len(bytes.fromhex(assignment.link_nonce)) * 8 == 64
    assert len(signature) == 16  # 96-bit HMAC
    assert len(token) <= 40
    assert set(token) <= set(string.ascii_letters + string.digits + "-_.")
    assert "{" not in token and "panel" not in token  # no JSON, no salt-derived prefix


def test_link_and_invitation_fit_two_sms_segments(assignment, appeal):
    assert len(BASE_URL_30) == 30
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    url = links.link_url(BASE_URL_30, token)
    assert url == f"{BASE_URL_30.rstrip('/')}/v/{token}"
    assert len(url) <= 72
    params = parameters(
        MessageKind.INVITATION, reference=appeal.reference, deadline=appeal.deadline,
        token=token,
    )  # fmt: skip
    text = render(MessageKind.INVITATION, signature="【12345热线】", params=params,
                  base_url=BASE_URL_30)  # fmt: skip
    assert text.endswith(url)
    segments = count_segments(text)
    assert segments.encoding == "UCS-2"
    assert segments.units <= 134
    assert segments.count <= 2


def test_every_single_character_change_is_refused(assignment):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    tried = 0
    for i, original in enumerate(token):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            forged = token[:i] + replacement + token[i + 1 :]
            with pytest.raises(links.LinkInvalid):
                links.read_token(forged, secret_keys=[NEW_KEY])
            tried += 1
    assert tried == len(token) * (len(ALPHABET) - 1)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "a.b",
        "a.b.c",
        "..",
        "短信.链接.无效",
        "A" * 200,
        "AAAAAAAAAAAA.AAAAAA.AAAAAAAAAAAAAAAA",
    ],
)
def test_malformed_tokens_are_refused(token):
    with pytest.raises(links.LinkInvalid):
        links.read_token(token, secret_keys=[NEW_KEY])


def test_a_signature_under_another_salt_is_refused(assignment):
    # Same key, itsdangerous' default salt and full-length HMAC: a different purpose's token.
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    payload = token.rsplit(".", 2)[0]
    other = TimestampSigner(NEW_KEY).sign(payload).decode()
    with pytest.raises(links.LinkInvalid):
        links.read_token(other, secret_keys=[NEW_KEY])


def test_unknown_assignment_is_refused(session, assignment):
    ghost = Assignment(id=987654, link_nonce=new_nonce())
    token = links.make_token(assignment=ghost, secret_keys=[NEW_KEY])
    with pytest.raises(links.LinkInvalid):
        links.resolve(session=session, token=token, secret_keys=[NEW_KEY])


def test_changing_the_nonce_revokes_the_token(session, assignment):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    assignment.link_nonce = new_nonce()
    session.commit()
    found, current = links.resolve(session=session, token=token, secret_keys=[NEW_KEY])
    assert found.id == assignment.id and current is False


def test_tokens_older_than_the_ceiling_are_refused(assignment, now):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    timeutil.set_clock(lambda: now + links.MAX_AGE - timedelta(seconds=1))
    links.read_token(token, secret_keys=[NEW_KEY])
    timeutil.set_clock(lambda: now + links.MAX_AGE + timedelta(seconds=1))
    with pytest.raises(links.LinkInvalid):
        links.read_token(token, secret_keys=[NEW_KEY])


def test_token_signed_with_previous_key_works_while_listed_as_fallback(assignment):
    before = Config.from_env(environ={}, ENV="testing", SECRET_KEY=OLD_KEY)
    during = Config.from_env(
        environ={"PANEL_SECRET_KEY_FALLBACKS": OLD_KEY}, ENV="testing", SECRET_KEY=NEW_KEY
    )
    after = Config.from_env(environ={}, ENV="testing", SECRET_KEY=NEW_KEY)
    old_token = links.make_token(assignment=assignment, secret_keys=links.secret_keys_from(before))
    assert links.read_token(old_token, secret_keys=links.secret_keys_from(during)).assignment_id
    with pytest.raises(links.LinkInvalid):
        links.read_token(old_token, secret_keys=links.secret_keys_from(after))


def test_new_tokens_are_signed_with_the_current_key(assignment):
    during = Config.from_env(
        environ={"PANEL_SECRET_KEY_FALLBACKS": OLD_KEY}, ENV="testing", SECRET_KEY=NEW_KEY
    )
    token = links.make_token(assignment=assignment, secret_keys=links.secret_keys_from(during))
    assert links.read_token(token, secret_keys=[NEW_KEY]).assignment_id == assignment.id
    with pytest.raises(links.LinkInvalid):
        links.read_token(token, secret_keys=[OLD_KEY])


# -- the form token of a link page ---------------------------------------------------------


def test_a_form_token_belongs_to_one_link_and_any_listed_key(assignment):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    other = token[:-1] + ("A" if token[-1] != "A" else "B")
    issued = links.form_token(token, secret_keys=[OLD_KEY, NEW_KEY])
    assert len(issued) == 22 and issued == links.form_token(token, secret_keys=[NEW_KEY])
    assert links.form_token_valid(token, issued, secret_keys=[OLD_KEY, NEW_KEY])
    assert links.form_token_valid(token, issued, secret_keys=[NEW_KEY, "newer-" + NEW_KEY])
    assert not links.form_token_valid(token, issued, secret_keys=[OLD_KEY])
    assert not links.form_token_valid(other, issued, secret_keys=[NEW_KEY])


@pytest.mark.parametrize("candidate", [None, "", "页面" * 11, "\x00" * 22, "A" * 22, "A" * 4000])
def test_a_form_token_that_is_not_the_links_is_refused_without_an_error(assignment, candidate):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    assert not links.form_token_valid(token, candidate, secret_keys=[NEW_KEY])


def test_every_single_character_change_of_a_form_token_is_refused(assignment):
    token = links.make_token(assignment=assignment, secret_keys=[NEW_KEY])
    issued = links.form_token(token, secret_keys=[NEW_KEY])
    for i, original in enumerate(issued):
        for replacement in ALPHABET:
            if replacement != original:
                changed = issued[:i] + replacement + issued[i + 1 :]
                assert not links.form_token_valid(token, changed, secret_keys=[NEW_KEY])
