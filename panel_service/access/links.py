"""Signed one-time links for panelists: short enough for an SMS, checked against the DB.

A token is ``<payload>.<timestamp>.<signature>``: the payload is the assignment's 64-bit
link nonce followed by its id, the timestamp the signing time (read from the service clock),
the signature a truncated HMAC-SHA256 (96 bits) under the link salt. Changing the
assignment's nonce revokes every token issued for it; the database decides everything else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from itsdangerous import BadSignature, TimestampSigner
from itsdangerous.encoding import base64_decode, base64_encode
from itsdangerous.signer import HMACAlgorithm
from sqlmodel import Session

from .. import timeutil
from ..models import Assignment

SALT = b"panel.link"
NONCE_BYTES = 8
SIGNATURE_BYTES = 12  # 16 base64 characters with no spare bits: no two spellings verify
# A hard ceiling under the database's deadline: voting windows last days, never months.
MAX_AGE = timedelta(days=60)
# Strict base64url spelling: the decoder would also take "+" for "-" and "/" for "_", which
# would give every signature a second spelling that verifies.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{12,40}\.[A-Za-z0-9_-]{1,12}\.[A-Za-z0-9_-]{16}")


class _TruncatedHMAC(HMACAlgorithm):
    """HMAC-SHA256 cut to 96 bits: unforgeable in practice, 16 characters in the URL."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, hashlib.sha256).digest()[:SIGNATURE_BYTES]


class _ClockSigner(TimestampSigner):
    # The service clock, not time.time(), so that tests and dry runs can move time.
    def get_timestamp(self) -> int:
        return int(timeutil.now().timestamp())


def _signer(secret_keys: Sequence[str]) -> TimestampSigner:
    return _cached_signer(tuple(secret_keys))


@lru_cache(maxsize=8)
def _cached_signer(secret_keys: tuple[str, ...]) -> TimestampSigner:
    # Built once per key set, not on every page view; the signer holds no per-call state.
    # itsdangerous signs with the last key and accepts any of them: rotation for free.
    return _ClockSigner(
        list(secret_keys),
        salt=SALT,
        digest_method=hashlib.sha256,
        algorithm=_TruncatedHMAC(hashlib.sha256),
    )


class LinkInvalid(Exception):
    """The token is malformed, forged, too old or names no assignment."""


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
    """Check the signature and age and unpack the claims; raises LinkInvalid."""
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        raise LinkInvalid("bad shape")
    try:
        signed = _signer(secret_keys).unsign(
            token.encode("ascii"), max_age=int(MAX_AGE.total_seconds())
        )
        payload = base64_decode(signed)
    except (BadSignature, UnicodeEncodeError, ValueError):
        raise LinkInvalid("bad token") from None
    if len(payload) <= NONCE_BYTES:
        raise LinkInvalid("short payload")
    return LinkClaims(int.from_bytes(payload[NONCE_BYTES:], "big"), payload[:NONCE_BYTES].hex())


def resolve(*, session: Session, token: str, secret_keys: Sequence[str]) -> tuple[Assignment, bool]:
    """The assignment a valid token names, and whether its nonce is still current."""
    claims = read_token(token, secret_keys=secret_keys)
    assignment = session.get(Assignment, claims.assignment_id)
    if assignment is None:
        raise LinkInvalid("unknown assignment")
    return assignment, is_current(assignment, claims)


def is_current(assignment: Assignment, claims: LinkClaims) -> bool:
    """Whether the token was signed for the seat's current nonce (not revoked since)."""
    return hmac.compare_digest(assignment.link_nonce, claims.nonce)


FORM_SALT = b"panel.link.form\x00"


def form_token(token: str, *, secret_keys: Sequence[str]) -> str:
    """The token a link page's forms carry: an HMAC of the link under the newest key.

    The link is the panelist's only credential (no sign-in, no cookie), so a form bound to
    it guards exactly what a session-bound CSRF token would: a page of one link cannot post
    to another. It needs no session and lives as long as the link does.
    """
    return _form_mac(secret_keys[-1], token)


def form_token_valid(token: str, candidate: str | None, *, secret_keys: Sequence[str]) -> bool:
    """Whether ``candidate`` is the form token of this link under any current key."""
    if not candidate:
        return False
    given = candidate.encode("utf-8")  # compare_digest refuses str that is not ASCII
    return any(hmac.compare_digest(_form_mac(k, token).encode(), given) for k in secret_keys)


def _form_mac(key: str, token: str) -> str:
    mac = hmac.new(key.encode("utf-8"), FORM_SALT + token.encode("utf-8"), hashlib.sha256)
    return base64_encode(mac.digest()[:16]).decode("ascii")  # 128 bits, 22 characters


def link_url(base_url: str, token: str) -> str:
    """The URL texted to the panelist."""
    return f"{base_url.rstrip('/')}/v/{token}"


def secret_keys_from(config) -> list[str]:
    """Oldest first, the current key last, as itsdangerous expects."""
    return [*config.SECRET_KEY_FALLBACKS, config.SECRET_KEY]
