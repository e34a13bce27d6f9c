"""The command-line options every benchmark that makes its own database shares.

Imports nothing of the service, so that a script can read its options before ``--root``
decides which checkout's ``panel_service`` it imports.
"""

from __future__ import annotations

import argparse

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database_options(
    parser: argparse.ArgumentParser, *, backend: str | None = "sqlite", redis_db: int = 14
) -> None:
    """``--backend`` (unless ``backend`` is None), ``--pg-url`` and ``--redis-url``."""
    if backend is not None:
        others = [name for name in ("sqlite", "postgresql") if name != backend]
        parser.add_argument("--backend", default=backend, choices=[backend, *others])
    parser.add_argument("--pg-url", default=PG_URL, help="server for a scratch database")
    parser.add_argument("--redis-url", default=f"redis://127.0.0.1:6379/{redis_db}")
