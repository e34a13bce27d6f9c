"""Sealed votes: the seal joins the appeal's chain the moment a vote is cast; the public
record shows it, and the vote it opens to, only with the decision (``record.public``).

    opinion_sha256 = SHA-256(opinion as stored, UTF-8), in lower-case hex
    seal = SHA-256("panel-seal-v1\\n" + reference + "\\n" + str(seat id) + "\\n" + vote + "\\n"
                   + opinion_sha256 + "\\n" + salt)        (UTF-8; salt: 16 random bytes, hex)

The ``vote.recorded`` event carries the seal; the ``appeal.decided`` event opens every seal
(vote, opinion digest, salt), so anyone can check that each seal opens to the vote that was
counted, and a panelist can find their own seal on the public record then.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

LABEL = "panel-seal-v1\n"


@dataclass(frozen=True)
class Opened:
    """What opens a seal."""

    assignment: int
    vote: str
    opinion_sha256: str
    salt: str


def opinion_digest(opinion: str) -> str:
    return hashlib.sha256(opinion.encode("utf-8")).hexdigest()


def seal_of(*, reference: str, opened: Opened) -> str:
    text = "\n".join(
        [reference, str(opened.assignment), opened.vote, opened.opinion_sha256, opened.salt]
    )
    return hashlib.sha256((LABEL + text).encode("utf-8")).hexdigest()


def seal_vote(*, reference: str, assignment: int, vote: str, opinion: str) -> tuple[str, str]:
    """A fresh salt and the seal of this vote."""
    salt = secrets.token_bytes(16).hex()
    opened = Opened(assignment, vote, opinion_digest(opinion), salt)
    return salt, seal_of(reference=reference, opened=opened)


def opens(*, reference: str, seal: str, opened: Opened) -> bool:
    return hmac.compare_digest(seal, seal_of(reference=reference, opened=opened))


def short(seal: str) -> str:
    """The part of a seal a person compares by eye: 12 hex digits in three groups."""
    return "-".join(seal[i : i + 4] for i in range(0, 12, 4))
