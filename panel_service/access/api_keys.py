"""Bearer keys for the hotline platform: shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlmodel import Session, select

from ..models import ApiKey

KEY_PREFIX = "pk_"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_KEY_LENGTH = 100


class ApiKeyError(Exception):
    """The key cannot be created or revoked as asked."""


def _digest(raw: str) -> str:
    # The key has 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_api_key(*, session: Session, name: str, now: datetime) -> tuple[ApiKey, str]:
    """Store a new key under ``name``; returns the row and the key, which is never stored."""
    name = (name or "").strip()
    if not NAME_PATTERN.match(name):
        raise ApiKeyError("the name must be 1-64 letters, digits, '.', '_' or '-'")
    if session.exec(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise ApiKeyError(f"an API key named {name} already exists")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=_digest(raw), prefix=raw[:10], created_at=now)
    session.add(key)
    session.flush()
    return key, raw


def verify_api_key(*, session: Session, raw: str | None) -> ApiKey | None:
    """The live key matching ``raw``, or None."""
    if not raw or len(raw) > MAX_KEY_LENGTH or not raw.startswith(KEY_PREFIX):
        return None
    digest = _digest(raw)
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    if key is None or key.revoked_at is not None:
        return None
    # The lookup is by digest; compare again in constant time all the same.
    return key if hmac.compare_digest(key.key_hash, digest) else None


def revoke_api_key(*, session: Session, name_or_id: str, now: datetime) -> ApiKey:
    """Revoke the key with this name (or numeric id); raises ApiKeyError."""
    query = select(ApiKey).where(ApiKey.name == name_or_id)
    key = session.exec(query).first()
    if key is None and name_or_id.isdigit():
        key = session.get(ApiKey, int(name_or_id))
    if key is None:
        raise ApiKeyError(f"no API key named {name_or_id}")
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
        session.flush()
    return key

