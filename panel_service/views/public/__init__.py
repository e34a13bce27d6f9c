"""The public record at ``/public``: no sign-in, no citizen's data, Chinese and English.

``pages`` holds the pages people read on a phone (every appeal and its draw receipt, the
days' seed commitments, membership changes, the fairness summary); ``data`` the JSON a
third party mirrors or verifies (the bundle, the checkpoints, the public key). This package
composes them into ``bp``; the factory registers it as public.
"""

from __future__ import annotations

from flask import Blueprint

from . import data, pages

bp = Blueprint("public", __name__, url_prefix="/public")
bp.register_blueprint(pages.bp)
bp.register_blueprint(data.bp)
