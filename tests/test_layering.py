"""The layers, read from the folders: the domain never imports Flask or a view, and each
domain package imports only the packages its ``__init__`` docstring allows.

A domain package is any folder of ``panel_service`` but ``views`` and the foundation
packages; its docstring ends with a line ``May import: record, panel.`` (or ``nothing but the
foundations``). The foundations are the package's top-level modules that import no
subpackage (enums, rules, ...), and ``models``, the tables, a package of such modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "panel_service"
WEB = "views"
FOUNDATION_PACKAGES = {"models"}
DOMAIN = sorted(
    p.name
    for p in PACKAGE.iterdir()
    if (p / "__init__.py").exists() and p.name not in {WEB, *FOUNDATION_PACKAGES}
)


def imports(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Every module ``path`` imports, as dotted names (``panel_service.x.y`` or ``flask``)."""
    rel = path.relative_to(root).with_suffix("")
    package = list(rel.parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                found |= {f"{module}.{a.name}" for a in node.names} if not node.module else set()
                if node.module:
                    found.add(module)
            else:
                found.add(node.module or "")
    return found


def _top(name: str) -> str | None:
    """The first level under panel_service that ``name`` names, if it is one of ours."""
    parts = name.split(".")
    return parts[1] if parts[0] == "panel_service" and len(parts) > 1 else None


def _foundational(paths) -> bool:
    """Do these modules import no domain package, no view and no Flask?"""
    for path in paths:
        tops = {_top(m) for m in imports(path)} - {None}
        if tops & (set(DOMAIN) | {WEB}) or any(
            m.split(".")[0].startswith("flask") for m in imports(path)
        ):
            return False
    return True


def foundations() -> set[str]:
    out = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py" and _foundational([p])}
    return out | {n for n in FOUNDATION_PACKAGES if _foundational((PACKAGE / n).rglob("*.py"))}


def allowed(package: str) -> set[str]:
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text("utf-8")))
    found = re.search(r"May import: (.+?)\.?\s*$", doc or "", re.S)
    assert found, f"{package}/__init__.py: its docstring must end with 'May import: ...'"
    words = found.group(1)
    if "nothing but the foundations" in words:
        return set()
    return {w.split(" ")[0].split(".")[0] for w in re.split(r",\s*", words)}


def domain_modules():
    for package in DOMAIN:
        yield from sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize(
    "path", list(domain_modules()), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_a_domain_module_imports_no_flask_no_view_and_only_allowed_packages(path):
    own = path.relative_to(PACKAGE).parts[0]
    found = imports(path)
    assert not {m for m in found if m.split(".")[0].startswith("flask")}, "imports Flask"
    tops = {_top(m) for m in found} - {None, own}
    assert WEB not in tops, "imports a view"
    base = foundations()
    outside = {t for t in tops if t not in base} - allowed(own)
    assert outside == set(), f"{own} may not import {sorted(outside)} (see its __init__)"


def test_the_layers_are_read_from_folders_that_exist():
    assert {"panel", "appeals", "membership", "messaging", "access", "reports", "record"} <= set(
        DOMAIN
    )
    assert {"models", "enums", "rules", "timeutil", "refusals"} <= foundations()
    assert "cli" not in foundations() and "extensions" not in foundations()


def test_the_check_reads_relative_imports_of_views_flask_and_packages(tmp_path):
    probe = tmp_path / "panel_service" / "record" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "from ..views import wording\nimport flask\nfrom .. import models, appeals\n",
        encoding="utf-8",
    )
    found = imports(probe, root=tmp_path)
    assert {_top(m) for m in found} >= {WEB, "models", "appeals"} and "flask" in found
