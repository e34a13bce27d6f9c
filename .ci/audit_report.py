"""Judge a pip-audit JSON report: fail on a vulnerability, only warn when nothing was checked.

Usage: audit_report.py REPORT.json PIP_AUDIT_OUTPUT.txt PIP_AUDIT_EXIT_CODE
Exit 1 for a known vulnerability or a pip-audit failure of its own; exit 0 (with a loud
warning) when the vulnerability service cannot be reached or knows none of the packages.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

UNREACHABLE = re.compile(
    r"ConnectionError|ProxyError|Max retries|Temporary failure|Name or service|timed out"
)


def say(text: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def judge(report: Path, output: str, exit_code: int) -> int:
    if not report.exists():
        if UNREACHABLE.search(output):
            say("pip-audit: the vulnerability service cannot be reached; audit SKIPPED", err=True)
            return 0
        say(output, err=True)
        say(f"pip-audit failed (exit {exit_code}) without a report", err=True)
        return 1
    deps = json.loads(report.read_text())["dependencies"]
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            say(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    audited = len(deps) - len(skipped)
    say(
        f"pip-audit: {len(deps)} locked packages, {audited} audited, {len(skipped)} not found "
        f"by the vulnerability service, {len(vulnerable)} vulnerable"
    )
    if skipped and not audited:
        say(
            "pip-audit: WARNING the service knew none of the packages (an index without "
            "PyPI's per-version JSON?); audit INCOMPLETE",
            err=True,
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(judge(Path(sys.argv[1]), Path(sys.argv[2]).read_text(errors="replace"),
                   int(sys.argv[3])))
