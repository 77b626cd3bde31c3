"""The apps depend one way: portal → robots → reports → sites → campaign, with audit at the
bottom and the demo seeder on top of everything. Read from every module's imports (also those
inside functions), so a new upward import fails here rather than in review."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each app and the project apps it may import. audit is below every other app; demo may
# import everything; nothing but demo (and the tests) imports demo; nothing imports api.
MAY_IMPORT = {
    "audit": set(),
    "campaign": {"audit"},
    "sites": {"campaign", "audit"},
    "reports": {"sites", "campaign", "audit"},
    # The group robots hear of reports' publications and rebuilds through its signals.
    "robots": {"reports", "sites", "campaign", "audit"},
    "portal": {"robots", "reports", "sites", "campaign", "audit"},
    "demo": {"portal", "robots", "reports", "sites", "campaign", "audit"},
    # The HTTP API sits on top, beside the demo: it reads the reports and imports through
    # sites; nothing imports it.
    "api": {"reports", "sites", "campaign", "audit"},
}
APPS = set(MAY_IMPORT)


def imported_apps(source: str) -> list[tuple[int, str]]:
    """(line, project app) of every absolute import in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names]
    return [(line, app) for line, app in found if app in APPS]


def violations(app: str, path: str, source: str) -> list[str]:
    return [
        f"{path}:{line} imports {imported}"
        for line, imported in imported_apps(source)
        if imported != app and imported not in MAY_IMPORT[app]
    ]


def project_modules():
    for app in sorted(APPS):
        for path in sorted((ROOT / app).rglob("*.py")):
            yield app, path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("app", "source", "expected"),
    [
        ("campaign", "from sites.models import Site", ["x.py:1 imports sites"]),
        ("campaign", "def f():\n    import reports.tasks", ["x.py:2 imports reports"]),
        ("sites", "from reports.services import snapshots", ["x.py:1 imports reports"]),
        ("audit", "from campaign.clock import today", ["x.py:1 imports campaign"]),
        ("reports", "from demo.seed import demo_seed", ["x.py:1 imports demo"]),
        ("reports", "from robots.services import robot_sweep", ["x.py:1 imports robots"]),
        ("robots", "from reports.signals import bulletin_published", []),
        ("reports", "from sites.models import Site\nfrom audit.models import AuditEvent", []),
        ("demo", "from reports.services.snapshots import snapshots_rebuild", []),
        ("sites", "from .models import Site\nimport sitecustomize", []),
    ],
)
def test_the_rule_reads_imports_as_written(app, source, expected):
    assert violations(app, "x.py", source) == expected


def test_every_app_imports_only_the_apps_below_it():
    found = [
        problem
        for app, path, source in project_modules()
        for problem in violations(app, path, source)
    ]
    assert found == []


def test_nothing_outside_the_tests_imports_the_demo_app():
    # bench/ and manage.py are project code too; the tests may seed the demo.
    paths = [ROOT / "manage.py", *sorted((ROOT / "bench").rglob("*.py"))]
    importers = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in paths
        for line, app in imported_apps(path.read_text(encoding="utf-8"))
        if app == "demo"
    ]
    assert importers == []
