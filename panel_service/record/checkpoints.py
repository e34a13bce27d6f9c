"""Signed checkpoints of the audit trail, so that a rewrite shows even to whoever holds the
database.

A checkpoint covers every chain: the leaves, sorted by chain name, are the UTF-8 canonical
JSON of ``{"chain": name, "head": hash, "length": n}``; the root is their Merkle Tree Hash as
in RFC 9162 (leaf = SHA-256(0x00 || leaf), node = SHA-256(0x01 || left || right), the split
at the largest power of two below n; no leaves: SHA-256 of nothing). The signed message is

    b"panel-checkpoint-v1\\n" + canonical JSON of {"at": ISO UTC, "root": hex, "size": n}

signed with Ed25519 by a key kept outside the database (``PANEL_AUDIT_SIGNING_KEY_FILE``).
Each checkpoint stores the chains that moved since the one before, so the full list at any
checkpoint is the fold of those up to it (``state_at``); a mirror that keeps them can check
today's record against any old checkpoint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import AuditChain, AuditCheckpoint, CheckpointHead
from .audit import canonical_json, iso

LABEL = b"panel-checkpoint-v1\n"
_WRITER_LOCK = 0x434B5054  # "CKPT": only checkpoint writers take it, never another path

Heads = dict[str, tuple[int, str]]  # chain -> (length, head hash)


def leaf(chain: str, length: int, head: str) -> bytes:
    return canonical_json({"chain": chain, "length": length, "head": head}).encode("utf-8")


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, the Merkle Tree Hash of ``leaves`` in order."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + merkle_root(leaves[:split]) + merkle_root(leaves[split:])
    ).digest()


def root_of(heads: Heads) -> str:
    return merkle_root([leaf(c, *heads[c]) for c in sorted(heads)]).hex()


def message(*, at: str, root: str, size: int) -> bytes:
    return LABEL + canonical_json({"at": at, "root": root, "size": size}).encode("utf-8")


# -- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """An Ed25519 key from the signing key file."""

    private_key: object

    @classmethod
    def from_file(cls, path: str | Path) -> Signer:
        from cryptography.hazmat.primitives import serialization

        return cls(serialization.load_pem_private_key(Path(path).read_bytes(), password=None))

    @property
    def public_raw(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def key_id(self) -> str:
        return key_id(self.public_raw)

    def sign(self, data: bytes) -> str:
        return self.private_key.sign(data).hex()


def key_id(public_raw: bytes) -> str:
    """The first 16 hex digits of SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def keygen(path: str | Path) -> Signer:
    """Write a new Ed25519 key (PEM, PKCS#8, readable by the owner only)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    target = Path(path)
    target.touch(mode=0o600, exist_ok=False)
    target.write_bytes(pem)
    return Signer(key)


def signature_valid(*, public_raw: bytes, data: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(bytes.fromhex(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- writing and reading -----------------------------------------------------------------------


def current_heads(session: Session) -> Heads:
    return {c.name: (c.length, c.head_hash) for c in session.exec(select(AuditChain))}


def latest(session: Session) -> AuditCheckpoint | None:
    return session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()


def write(*, session: Session, signer: Signer, now: datetime) -> AuditCheckpoint | None:
    """Sign every chain's head now, if any chain moved since the last checkpoint."""
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never write the same delta twice; nothing else takes this lock.
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITER_LOCK})
    heads = current_heads(session)
    signed = {h.chain: (h.length, h.head_hash) for h in session.exec(select(CheckpointHead))}
    changed = sorted((c, *heads[c]) for c in heads if signed.get(c) != heads[c])
    if not changed and latest(session) is not None:
        return None
    at = iso(now)
    root = root_of(heads)
    checkpoint = AuditCheckpoint(
        at=now,
        size=len(heads),
        root=root,
        changed=json.dumps([list(row) for row in changed], separators=(",", ":")),
        key_id=signer.key_id,
        signature=signer.sign(message(at=at, root=root, size=len(heads))),
    )
    session.add(checkpoint)
    for chain, length, head in changed:
        row = session.get(CheckpointHead, chain) or CheckpointHead(chain=chain, length=0)
        row.length, row.head_hash = length, head
        session.add(row)
    session.flush()
    return checkpoint


def fold(checkpoints: Iterable[AuditCheckpoint]) -> Heads:
    """The full list of chains after applying each checkpoint's changes in order."""
    heads: Heads = {}
    for checkpoint in checkpoints:
        for chain, length, head in json.loads(checkpoint.changed):
            heads[chain] = (length, head)
    return heads


def state_at(*, session: Session, checkpoint_id: int) -> Heads:
    rows = session.exec(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.id <= checkpoint_id)
        .order_by(AuditCheckpoint.id)
    )
    return fold(rows)


def public(checkpoint: AuditCheckpoint, heads: Heads | None = None) -> dict:
    """A checkpoint as it is published (with its full list of chains when given)."""
    out = {
        "id": checkpoint.id,
        "at": iso(checkpoint.at),
        "root": checkpoint.root,
        "size": checkpoint.size,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
        "changed": json.loads(checkpoint.changed),
    }
    if heads is not None:
        out["chains"] = [[c, *heads[c]] for c in sorted(heads)]
    return out
