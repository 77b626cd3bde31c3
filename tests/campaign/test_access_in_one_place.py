"""Who may do what is decided in ``campaign/access.py`` only.

Every module of the project's apps is read as Python (its syntax tree, so comments and
strings do not count) and every template as text; a role comparison anywhere else fails
here, naming the file and line. The demo seeder creates accounts of each role, and the
model defines the roles: both set roles, neither decides with them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("api", "audit", "campaign", "demo", "portal", "reports", "robots", "sites")
ALLOWED = {
    "campaign/access.py",  # the one place
    "campaign/models.py",  # defines the roles and the constraint tying each to its area
}
ACCOUNT_FLAGS = {"is_superuser", "is_staff"}
# The audit app sits below campaign and may not ask it: its admin reads Django's own
# superuser flag (no role of the campaign) to let only superusers read the trail.
READS_ACCOUNT_FLAGS = {"audit/admin_mixins.py"}
TEMPLATE_CHECK = re.compile(r"\.role\b|\bis_superuser\b|\bis_staff\b|Role\.")


def _is_seeder(relative: str) -> bool:
    return relative.startswith("demo/") or "demo" in Path(relative).stem


def _mentions_role(node: ast.AST) -> bool:
    """``x.role``, or a member of a ``Role`` enumeration (``StaffScope.Role.X``)."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute):
            if inner.attr == "role":
                return True
            holder = inner.value
            if (isinstance(holder, ast.Attribute) and holder.attr == "Role") or (
                isinstance(holder, ast.Name) and holder.id == "Role"
            ):
                return True
    return False


def _is_role_check(node: ast.AST, flags: set[str]) -> bool:
    if isinstance(node, ast.Compare):
        return _mentions_role(node)
    if isinstance(node, ast.Match):
        return _mentions_role(node.subject)
    if isinstance(node, ast.Attribute):
        # An account flag read, or Role.X kept in a tuple or a filter to decide with later.
        return node.attr in flags or (node.attr != "role" and _mentions_role(node))
    if isinstance(node, ast.keyword) and node.arg is not None:
        return node.arg in flags or node.arg == "role" or node.arg.endswith("__role")
    return False


def role_checks(source: str, flags: set[str] = ACCOUNT_FLAGS) -> list[int]:
    """The lines of ``source`` that compare roles or read the account ``flags``."""
    return sorted(
        {
            getattr(node, "lineno", None) or node.value.lineno
            for node in ast.walk(ast.parse(source))
            if _is_role_check(node, flags)
        }
    )


def _python_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED or _is_seeder(relative):
                continue
            yield relative, path


@pytest.mark.parametrize(
    "snippet",
    [
        "allowed = scope.role == StaffScope.Role.ADMINISTRATOR",
        "allowed = scope.role in WRITERS",
        "WRITERS = (StaffScope.Role.ADMINISTRATOR,)",
        "match scope.role:\n    case _:\n        pass",
        "if request.user.is_superuser:\n    pass",
        "users.filter(staff_scope__role='administrator')",
        "users.filter(is_superuser=True)",
    ],
)
def test_the_check_finds_a_role_comparison(snippet):
    assert role_checks(snippet) != []


def test_the_check_lets_access_questions_through():
    assert role_checks("if can_plan(scope) and not is_committee_staff(scope):\n    pass") == []


def test_no_module_but_access_compares_roles():
    found = [
        f"{relative}:{line}"
        for relative, path in _python_modules()
        for line in role_checks(
            path.read_text(encoding="utf-8"),
            set() if relative in READS_ACCOUNT_FLAGS else ACCOUNT_FLAGS,
        )
    ]
    assert found == [], "ask campaign.access instead: " + ", ".join(found)


def test_no_template_compares_roles():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.glob("**/templates/**/*.html"))
        if ".venv" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_CHECK.search(line)
    ]
    assert found == [], "pass a flag from campaign.access instead: " + ", ".join(found)
