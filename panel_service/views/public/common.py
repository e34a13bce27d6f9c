"""What the public pages share: the period asked for and the public key, if one is set."""

from __future__ import annotations

from flask import current_app

from ...record.checkpoints import Signer


def public_key() -> bytes | None:
    """The raw Ed25519 public key checkpoints are signed with (None: none configured)."""
    cached = current_app.extensions.get("panel_public_key", False)
    if cached is False:
        path = current_app.config["PANEL_CONFIG"].AUDIT_SIGNING_KEY_FILE
        cached = Signer.from_file(path).public_raw if path else None
        current_app.extensions["panel_public_key"] = cached
    return cached
