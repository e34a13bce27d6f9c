"""Idempotency keys: a retried POST gets the first answer instead of a second appeal.

The record is written in the same transaction as what the request created, so either both
exist or neither does. Only successful creations are recorded (as Stripe does): a refused
request changed nothing, and answering it again gives the same refusal or, once the cause
is fixed, the creation.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import IdempotencyRecord

MAX_KEY_LENGTH = 100
KEY_PATTERN = rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"  # as the OpenAPI document states it
KEY = re.compile(KEY_PATTERN)
KEEP_FOR = timedelta(days=7)


class IdempotencyMismatch(Exception):
    """The key was used before with a different request body."""


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: dict


def request_hash(payload: dict) -> str:
    """A fingerprint of the request body, independent of key order and spacing."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def valid_key(key: str | None) -> bool:
    """1-100 visible ASCII characters (no spaces, which proxies may trim): KEY_PATTERN."""
    return bool(key) and KEY.fullmatch(key) is not None


def lookup(*, session: Session, api_key_id: int, key: str, fingerprint: str) -> StoredAnswer | None:
    """The first answer given for this key, or None; raises IdempotencyMismatch."""
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key
        )
    ).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyMismatch(key)
    return StoredAnswer(status_code=record.status_code, body=json.loads(record.body))


def remember(
    *,
    session: Session,
    api_key_id: int,
    key: str,
    fingerprint: str,
    answer: StoredAnswer,
    now: datetime,
) -> None:
    """Record the answer in the caller's transaction (a concurrent twin fails on commit)."""
    session.add(
        IdempotencyRecord(
            api_key_id=api_key_id,
            key=key,
            request_hash=fingerprint,
            status_code=answer.status_code,
            body=json.dumps(answer.body, ensure_ascii=False),
            created_at=now,
        )
    )
    session.flush()


def purge(*, session: Session, now: datetime) -> int:
    """Forget records older than a week; returns how many."""
    result = session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEEP_FOR)
    )
    return result.rowcount
