"""Signed one-time links for panelists: short enough for one SMS, checked against the DB.

A token is ``<payload>.<timestamp>.<signature>``: the payload is the assignment id and its
64-bit link nonce, the signature a truncated HMAC-SHA256 (96 bits) under the link salt.
Changing the assignment's nonce revokes every token issued for it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, TimestampSigner
from itsdangerous.encoding import base64_decode, base64_encode
from itsdangerous.signer import HMACAlgorithm
from sqlmodel import Session

from .models import Assignment

SALT = b"panel.link"
SIGNATURE_BYTES = 12


class _TruncatedHMAC(HMACAlgorithm):
    """HMAC-SHA256 cut to 96 bits: unforgeable in practice, 16 characters in the URL."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _signer(secret_keys: Sequence[str]) -> TimestampSigner:
    # itsdangerous signs with the last key and accepts any of them: rotation for free.
    return TimestampSigner(
        list(secret_keys),
        salt=SALT,
        digest_method=hashlib.sha256,
        algorithm=_TruncatedHMAC(hashlib.sha256),
    )


class LinkInvalid(Exception):
    """The token is malformed, forged or names no assignment."""


@dataclass(frozen=True)
class LinkClaims:
    assignment_id: int
    nonce: str


def make_token(*, assignment: Assignment, secret_keys: Sequence[str]) -> str:
    """Sign a token for the assignment's current nonce with the newest key."""
    id_bytes = assignment.id.to_bytes((assignment.id.bit_length() + 7) // 8 or 1, "big")
    payload = bytes.fromhex(assignment.link_nonce) + id_bytes
    return _signer(secret_keys).sign(base64_encode(payload)).decode("ascii")


def read_token(token: str, *, secret_keys: Sequence[str]) -> LinkClaims:
    """Check the signature and unpack the claims; raises LinkInvalid."""
    try:
        payload = base64_decode(_signer(secret_keys).unsign(token.encode("ascii")))
    except (BadSignature, UnicodeEncodeError, ValueError):
        raise LinkInvalid("bad token") from None
    if len(payload) < 9:
        raise LinkInvalid("short payload")
    return LinkClaims(int.from_bytes(payload[8:], "big"), payload[:8].hex())


def resolve(*, session: Session, token: str, secret_keys: Sequence[str]) -> tuple[Assignment, bool]:
    """The assignment a valid token names, and whether its nonce is still current."""
    claims = read_token(token, secret_keys=secret_keys)
    assignment = session.get(Assignment, claims.assignment_id)
    if assignment is None:
        raise LinkInvalid("unknown assignment")
    return assignment, hmac.compare_digest(assignment.link_nonce, claims.nonce)


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v/{token}"


def secret_keys_from(config) -> list[str]:
    """Oldest first, the current key last, as itsdangerous expects."""
    return [*config.SECRET_KEY_FALLBACKS, config.SECRET_KEY]
