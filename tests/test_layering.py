"""The domain stays free of Flask, so the CLI, worker, views and tests share it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "panel_service"
# Modules that are the web layer or wire it up; everything else is domain or infrastructure.
WEB_LAYER = {"__init__.py", "cli.py", "db.py", "extensions.py", "logging_setup.py"}


def domain_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "views" or (len(rel.parts) == 1 and rel.name in WEB_LAYER):
            continue
        yield path


@pytest.mark.parametrize("path", list(domain_modules()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_module_does_not_import_flask(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not {name for name in imported if name.startswith("flask")}


def test_the_domain_list_is_not_empty():
    names = {p.name for p in domain_modules()}
    assert {"draw.py", "voting.py", "audit.py", "links.py", "appeals.py"} <= names
