"""API keys: random, shown once, stored as SHA-256, revocable; the CLI around them."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from panel_service.access import api_keys
from panel_service.models import ApiKey


def test_a_key_is_stored_only_as_its_digest(session, now):
    row, raw = api_keys.create_api_key(session=session, name="platform", now=now)
    assert raw.startswith("pk_") and len(raw) > 40
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (row.key_hash, row.prefix)
    assert api_keys.verify_api_key(session=session, raw=raw).id == row.id


@pytest.mark.parametrize("raw", [None, "", "pk_wrong", "x" * 500, "Bearer pk_"])
def test_unknown_keys_do_not_verify(session, now, raw):
    api_keys.create_api_key(session=session, name="platform", now=now)
    assert api_keys.verify_api_key(session=session, raw=raw) is None


def test_a_revoked_key_no_longer_verifies(session, now):
    row, raw = api_keys.create_api_key(session=session, name="platform", now=now)
    api_keys.revoke_api_key(session=session, name_or_id="platform", now=now)
    assert api_keys.verify_api_key(session=session, raw=raw) is None
    # By id as well, and revoking twice is harmless.
    assert api_keys.revoke_api_key(session=session, name_or_id=str(row.id), now=now).revoked_at


def test_names_are_unique_and_plain(session, now):
    api_keys.create_api_key(session=session, name="platform", now=now)
    with pytest.raises(api_keys.ApiKeyError):
        api_keys.create_api_key(session=session, name="platform", now=now)
    with pytest.raises(api_keys.ApiKeyError):
        api_keys.create_api_key(session=session, name="has space", now=now)


def test_cli_prints_the_key_alone_on_the_last_line(runner, session, app):
    result = runner.invoke(args=["panel", "api-key", "create", "platform"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    session.rollback()
    assert api_keys.verify_api_key(session=session, raw=raw) is not None
    session.rollback()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/departments", headers=headers).status_code == 200

    revoked = runner.invoke(args=["panel", "api-key", "revoke", "platform"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client.get("/api/v1/departments", headers=headers).status_code == 401


def test_cli_mistakes_are_one_line(runner, session):
    result = runner.invoke(args=["panel", "api-key", "revoke", "nobody"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no API key named nobody"
    runner.invoke(args=["panel", "api-key", "create", "platform"])
    again = runner.invoke(args=["panel", "api-key", "create", "platform"])
    assert again.exit_code == 1 and "already exists" in again.output
    assert len(session.exec(select(ApiKey)).all()) == 1
