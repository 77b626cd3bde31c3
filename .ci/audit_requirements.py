"""pip-audit on the pinned runtime requirements: a known vulnerability fails the build.

    python .ci/audit_requirements.py [REQUIREMENTS] [PIP-AUDIT OPTIONS ...]
    python .ci/audit_requirements.py --report pip-audit.json   (judge a saved report)

Exit 0: every package audited, none vulnerable. Exit 1: a known vulnerability (listed).
Exit 2: pip-audit itself failed (its vulnerability service unreachable, say). Exit 3: some
packages could not be audited (the service did not know them) — unless
PIP_AUDIT_ALLOW_UNAUDITED=1, which turns that into a loud warning: a service that does not
answer is not a clean bill of health, and the log says so either way.

The requirements are fully pinned, so pip-audit runs with --no-deps --disable-pip: it
audits exactly these versions and needs no package index, only its vulnerability service
(PyPI's JSON API by default; -s osv for OSV).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def judge(report: dict, *, allow_unaudited: bool) -> tuple[int, list[str]]:
    """The exit code and the lines to print for a pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unaudited = [d for d in dependencies if d.get("skip_reason")]
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(
                f"VULNERABLE {dependency['name']}=={dependency['version']}: {vuln['id']} "
                f"(fixed in {fixed}) {vuln.get('description', '')[:160]}"
            )
    if unaudited:
        lines.append(
            f"NOT AUDITED: {len(unaudited)} of {len(dependencies)} packages could not be "
            "checked by the vulnerability service:"
        )
        lines += [f"  {d['name']}: {d['skip_reason']}" for d in unaudited]
    audited = len(dependencies) - len(unaudited)
    lines.append(
        f"pip-audit: {audited} of {len(dependencies)} packages audited, "
        f"{len(vulnerable)} with known vulnerabilities."
    )
    if vulnerable:
        return 1, lines
    if unaudited and not allow_unaudited:
        return 3, lines
    if unaudited:
        lines.append("WARNING: PIP_AUDIT_ALLOW_UNAUDITED=1: not failing on unaudited packages.")
    return 0, lines


def main(argv: list[str]) -> int:
    allow_unaudited = os.environ.get("PIP_AUDIT_ALLOW_UNAUDITED") == "1"
    if argv[:1] == ["--report"]:
        with open(argv[1], encoding="utf-8") as saved:
            report = json.load(saved)
    else:
        requirements = argv[0] if argv and not argv[0].startswith("-") else "requirements.txt"
        options = argv[1:] if argv and not argv[0].startswith("-") else argv
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            requirements,
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            *options,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        try:
            report = json.loads(result.stdout)
        except ValueError:
            print(result.stderr.strip()[-2000:], file=sys.stderr)  # noqa: T201
            print("pip-audit failed before it could report: failing.", file=sys.stderr)  # noqa: T201
            return 2
    code, lines = judge(report, allow_unaudited=allow_unaudited)
    print("\n".join(lines))  # noqa: T201
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
