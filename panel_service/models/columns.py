"""Column helpers the tables share."""

from __future__ import annotations

import secrets

from sqlmodel import Field

from ..timeutil import UTCDateTime


def new_public_id() -> str:
    """A random, URL-safe name for a row (128 bits)."""
    return secrets.token_urlsafe(16)


def timestamp(nullable: bool = True, **kw):
    """A UTC instant that may be empty until it happens."""
    return Field(default=None, sa_type=UTCDateTime(), nullable=nullable, **kw)
