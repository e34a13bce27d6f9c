"""The compiled message catalogs (.mo) the pages are served from.

git holds the .po files only. The package build compiles them (``setup.py``); the app
compiles again at start-up any that is missing or older than its .po (a checkout updated
without a rebuild), and production refuses to start without the default locale's catalog,
which would otherwise serve every page in English without a word.

Imports nothing but Babel and the standard library: ``setup.py`` loads this file by path
while the package's dependencies may not be installed yet.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"


def mo_path(po: Path) -> Path:
    return po.with_suffix(".mo")


def stale(root: Path | None = None) -> list[Path]:
    """The .po files whose .mo is missing or older than they are."""
    root = root or TRANSLATIONS
    out = []
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo = mo_path(po)
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            out.append(po)
    return out


def compile_catalog(po: Path, mo: Path | None = None) -> Path:
    """Compile one catalog; the .mo is replaced whole, so a running reader never sees half."""
    mo = mo or mo_path(po)
    with po.open("rb") as f:
        catalog = read_po(f)
    mo.parent.mkdir(parents=True, exist_ok=True)
    partial = mo.with_name(f"{mo.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        with partial.open("wb") as f:
            write_mo(f, catalog)
        partial.replace(mo)
    finally:
        partial.unlink(missing_ok=True)
    return mo


def ensure_compiled(*, production: bool, root: Path | None = None) -> None:
    """Compile what is stale; in production, raise RuntimeError if the default locale's
    catalog is still missing or stale (the caller turns it into a ConfigError)."""
    root = root or TRANSLATIONS
    for po in stale(root):
        try:
            compile_catalog(po)
        except OSError as exc:
            log.warning("cannot compile the message catalog %s: %s", po, exc)
    default = root / DEFAULT_LOCALE / "LC_MESSAGES" / "messages.po"
    if production and default in stale(root):
        raise RuntimeError(
            f"the message catalog for {DEFAULT_LOCALE} ({mo_path(default)}) is missing or "
            f"older than its .po and cannot be written here; every page would be in English. "
            f"Run `pybabel compile -d {root}` as the install's owner, or reinstall the package"
        )
