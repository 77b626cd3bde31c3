"""The README and docs/: short enough for a newcomer, links that lead somewhere, and no
pointer to a file that is not in the repository."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
MARKDOWN = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *DOCS]
FOUR_DOCS = ("user-guide.md", "operations.md", "architecture.md", "decisions.md")

BACKTICKED_PATH = re.compile(r"`([A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*)`")
LAYOUT_LINE = re.compile(r"^([a-z_]+)/\s{2,}", re.MULTILINE)
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Files that were never part of the project, and the numbered "traps" listed in one of them.
OUTSIDE_FILE = re.compile(r"\b(?:STACK|DESIGN|STYLE)\.md\b")
OUTSIDE_TRAP = re.compile(r"\btrap \d+\b", re.IGNORECASE)
SKIPPED_DIRS = {".git", ".venv", "node_modules", "media", "staticfiles", "__pycache__"}
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".js", ".css", ".toml", ".cfg", ".ini", ".po"}
TEXT_NAMES = {"Makefile", "run"}


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens,
    a repeated heading numbered -1, -2, …"""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text(encoding="utf-8")))


def _project_text_files():
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_DIRS]
        for name in names:
            path = Path(folder) / name
            if path.suffix in TEXT_SUFFIXES or name in TEXT_NAMES:
                yield path


def test_readme_is_at_most_150_lines():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def test_readme_opens_with_the_two_commands_and_links_the_four_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "run"],
        ["make", "test"],
    ]
    linked = {Path(target.split("#")[0]).name for target in _links(ROOT / "README.md")}
    assert set(FOUR_DOCS) <= linked
    for name in FOUR_DOCS:
        assert (ROOT / "docs" / name).is_file(), name


@pytest.mark.parametrize("document", MARKDOWN, ids=lambda path: path.name)
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(document):
    broken = []
    for target in _links(document):
        if re.match(r"^[a-z]+:", target):  # https:, mailto: — not ours to check offline
            continue
        file_part, _, anchor = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif (
            anchor
            and linked.suffix == ".md"
            and anchor not in _anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no such heading")
    assert broken == []


def test_nothing_points_to_a_file_outside_the_repository():
    offenders = []
    for path in _project_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE_FILE.search(line) or OUTSIDE_TRAP.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("document", MARKDOWN, ids=lambda path: path.name)
def test_every_project_path_named_in_the_docs_exists(document):
    """A path under one of the project's folders, named in backticks, has to be there:
    when a file moves, the doc that sends a reader to it moves with it."""
    top_level = {path.name for path in ROOT.iterdir() if path.is_dir()} - SKIPPED_DIRS
    named = BACKTICKED_PATH.findall(document.read_text(encoding="utf-8"))
    missing = [
        path for path in named if path.split("/")[0] in top_level and not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_readme_layout_lists_every_app_and_only_folders_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(LAYOUT_LINE.findall("\n".join(FENCE.findall(readme))))
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= listed
    assert sorted(name for name in listed if not (ROOT / name).is_dir()) == []


def test_heading_anchors_follow_github():
    markdown = "# How it is built\n## Figures shown, and what they mean\n## Pages\n## Pages\n"
    assert _anchors(markdown) == {
        "how-it-is-built",
        "figures-shown-and-what-they-mean",
        "pages",
        "pages-1",
    }
