"""What views of every audience ask of the app: its rules, its configuration, who acts."""

from __future__ import annotations

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
