"""What views of every audience ask of the app: its rules, its configuration, who acts."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import current_app
from flask_login import current_user

from ..config import Config
from ..rules import PanelRules


def config() -> Config:
    return current_app.config["PANEL_CONFIG"]


def rules() -> PanelRules:
    """The panel's rules, built once per app from its configuration."""
    return current_app.extensions["panel_rules"]


def actor() -> str:
    """How the signed-in person is named in the audit trail."""
    return current_user.actor


def content_disposition(filename: str) -> str:
    """``attachment`` with the name in RFC 5987 form (``filename*``) and a plain-ASCII
    fallback for clients that only read ``filename``."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c for c in ascii_name if c.isalnum() or c in "._-")
    stem, dot, extension = ascii_name.rpartition(".")
    if not (stem if dot else ascii_name):
        ascii_name = "download" + (dot + extension if dot else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
