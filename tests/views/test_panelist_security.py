"""The panelist's link against forgery, floods and leaks: tokens, limits, headers, logs."""

from __future__ import annotations

import logging
import re

import pytest

from panel_service.enums import AuditKind

from ..panelist_pages import count, csrf_from, pledge, seats, text, vote


@pytest.fixture
def token(session, appeal, make_link):
    return make_link(seats(session, appeal)[0])


def test_every_single_character_change_gets_the_plain_page(client, session, token):
    alphabet = "AaZz09-_"
    for i, original in enumerate(token):
        forged = token[:i] + next(c for c in alphabet if c != original) + token[i + 1 :]
        # Each from its own address, so the rate limit on failures stays out of the way.
        response = client.get(f"/v/{forged}", environ_base={"REMOTE_ADDR": f"10.9.{i}.1"})
        assert response.status_code == 404, forged
        # No appeal reference leaks (the forged token itself may be echoed in a link).
        assert "链接无效" in text(response) and not re.search(r"AP-\d{4}-\d{6}", text(response))
    assert count(session, AuditKind.LINK_OPENED) == 0


@pytest.mark.parametrize(
    "path", ["/v/x", "/v/" + "A" * 500, "/v/%E7%9F%AD.%00.x", "/v/a.b.c/pledge"]
)
def test_garbage_tokens_get_the_plain_page(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500


def test_failed_lookups_are_rate_limited_per_client(app, client, token):
    statuses = [client.get(f"/v/AAAAAAAAAAAA.AAAAAA.{i:016d}").status_code for i in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[10:] == [429, 429]
    limited = client.get("/v/AAAAAAAAAAAA.AAAAAA.0000000000000099")
    assert "尝试次数过多" in text(limited)
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    other = app.test_client()
    response = other.get("/v/AAAAAAAAAAAA.AAAAAA.0000000000000099",
                         environ_base={"REMOTE_ADDR": "10.0.0.9"})  # fmt: skip
    assert response.status_code == 404


def test_forged_tokens_from_an_address_do_not_block_its_valid_links(redis_app, session, appeal,
                                                                     make_link):
    """A scanner on an office's address: the office's panelists still open their links."""
    client = redis_app.test_client()
    office = {"REMOTE_ADDR": "198.51.100.7"}
    forged = [client.get(f"/v/AAAAAAAAAAAA.AAAAAA.{i:016d}", environ_base=office).status_code
              for i in range(40)]  # fmt: skip
    assert forged[:10] == [404] * 10 and set(forged[10:]) == {429}
    for seat in seats(session, appeal):
        assert client.get(f"/v/{make_link(seat)}", environ_base=office).status_code == 200


def test_an_address_may_use_the_link_pages_120_times_a_minute(app, session, appeal, make_link):
    """The use limit counts every link page of an address together, and says when to retry."""
    client = app.test_client()
    office = {"REMOTE_ADDR": "198.51.100.8"}
    token = make_link(seats(session, appeal)[0])
    page = client.get(f"/v/{token}", environ_base=office)
    statuses = [client.get(f"/v/{token}", environ_base=office).status_code for _ in range(100)]
    statuses += [
        client.post(f"/v/{token}/pledge", data={"csrf_token": csrf_from(page)},
                    environ_base=office).status_code
        for _ in range(19)
    ]  # fmt: skip
    assert set(statuses[:100]) == {200} and set(statuses[100:]) <= {200, 303}
    refused = client.get(f"/v/{token}/recuse", environ_base=office)
    assert refused.status_code == 429 and "尝试次数过多" in text(refused)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    elsewhere = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.get(f"/v/{token}", environ_base=elsewhere).status_code == 200


def test_successful_use_is_not_counted_as_failure(client, token):
    assert {client.get(f"/v/{token}").status_code for _ in range(15)} == {200}


# -- language, headers, logs ----------------------------------------------------------------


def test_english_by_accept_language_or_query(client, token):
    pledge(client, token)
    english = client.get(f"/v/{token}", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Your vote" in text(english) and 'lang="en"' in text(english)
    by_query = client.get(f"/v/{token}?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "Citizen's request" in text(by_query)
    assert f'action="/v/{token}?lang=en"' in text(by_query)
    chinese = client.get(f"/v/{token}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "市民诉求" in text(chinese) and 'lang="zh-CN"' in text(chinese)
    assert "市民诉求" in text(client.get(f"/v/{token}", headers={"Accept-Language": "fr"}))


def test_security_headers_on_every_panelist_page(client, token):
    pledge(client, token)
    for response in (client.get(f"/v/{token}"), client.get("/v/nope"), client.head(f"/v/{token}")):
        headers = response.headers
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert "frame-ancestors 'none'" in csp


def test_tokens_never_reach_the_logs(app, client, token, caplog):
    caplog.set_level(logging.DEBUG)
    page = client.get(f"/v/{token}")
    client.post(f"/v/{token}/pledge", data={"csrf_token": csrf_from(page)})
    vote(client, token, client.get(f"/v/{token}"))
    # What werkzeug's development server writes for a request line.
    logging.getLogger("werkzeug").info('"%s" %s %s', f"GET /v/{token}?lang=en HTTP/1.1", 200, 9)
    app.logger.error("Exception on %s [GET]", f"/v/{token}")
    assert caplog.records
    assert all(token not in record.getMessage() for record in caplog.records)
    assert '"GET /v/[token]?lang=en HTTP/1.1" 200 9' in caplog.text
