"""Nothing but the lifecycle package writes an appeal's status or a seat's state.

Two checks: the source (no other module assigns those attributes or updates those columns
in bulk), and every run of the suite (conftest's ``_only_the_lifecycle_writes_states``
records who sets them on a stored row, whatever path a test takes).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "panel_service"
HOME = PACKAGE / "panel" / "lifecycle"


def _modules():
    return [p for p in sorted(PACKAGE.rglob("*.py")) if HOME not in p.parents]


def _names_an_appeal(node: ast.expr) -> bool:
    text = ast.unparse(node).lower()
    return "appeal" in text


def writes(tree: ast.AST) -> list[int]:
    """Lines that set Appeal.status or Assignment.state."""
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        flat = []
        for target in targets:
            flat += target.elts if isinstance(target, ast.Tuple) else [target]
        for target in flat:
            if isinstance(target, ast.Attribute) and (
                target.attr == "state"
                or (target.attr == "status" and _names_an_appeal(target.value))
            ):
                found.append(node.lineno)
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            keywords = {k.arg for k in node.keywords}
            if called.endswith(("Assignment", "Appeal")) and keywords & {"state", "status"}:
                found.append(node.lineno)
            if called.endswith("values") and (
                "update(Assignment" in ast.unparse(node) or "update(Appeal" in ast.unparse(node)
            ):
                dicts = [a for a in node.args if isinstance(a, ast.Dict)]
                keys = {k.value for d in dicts for k in d.keys if isinstance(k, ast.Constant)}
                if (keywords | keys) & {"state", "status"}:
                    found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_other_module_writes_a_status_or_a_state(path):
    assert writes(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_each_kind_of_write():
    source = """
appeal.status = "stalled"
seat.state = "closed"
locked.appeal.status, x = "decided", 1
Assignment(appeal_id=1, state="voted")
session.execute(sa.update(Assignment).where(x).values(state="closed"))
session.execute(sa.update(Appeal).values({"status": "open"}))
message.status = "sent"
"""
    assert writes(ast.parse(source)) == [2, 3, 4, 5, 6, 7]


def test_the_lifecycle_itself_is_where_the_writes_are():
    lines = [
        n for p in sorted(HOME.glob("*.py")) for n in writes(ast.parse(p.read_text("utf-8")))
    ]
    assert len(lines) >= 5  # decide, stall, end a seat, vote, withdraw
