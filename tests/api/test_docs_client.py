"""docs/api.md's Python client, run as written against a running portal: it pushes a
day's file, prints the rejected rows of a bad one, and a retry writes nothing twice."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sites.models import DailyTally
from tests.api.conftest import DAY, csv_file, token_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def client_source() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "push_tallies.py"
    path.write_text(client_source(), encoding="utf-8")
    return path


def run(script, live_server, key, *args) -> subprocess.CompletedProcess:
    env = {"SV": live_server.url, "TOKEN": key, "PATH": "/usr/bin:/bin"}
    return subprocess.run(  # noqa: S603 - our own script and arguments
        [sys.executable, str(script), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_the_documented_client_pushes_a_day_and_prints_the_rejected_rows(
    world, live_server, script, tmp_path
):
    _token, key = token_of(subdistrict=world["home"].subdistrict)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(f"{DAY},home-SITE,home-C,first,5", f"{DAY},far-SITE,,first,1"))
    result = run(script, live_server, key, bad)
    assert result.returncode == 1, result.stderr
    assert "refused: 0 new" in result.stdout
    assert "line 3 site_code: 接种点 far-SITE 不在您的权限范围内。" in result.stdout
    assert not DailyTally.objects.filter(date=DAY).exists()

    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(f"{DAY},home-SITE,home-C,first,5"))
    dry = run(script, live_server, key, good, "--dry-run")
    assert dry.stdout.startswith("checked: 1 new"), dry.stdout + dry.stderr
    assert not DailyTally.objects.filter(date=DAY).exists()
    pushed = run(script, live_server, key, good)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert pushed.stdout.startswith("imported: 1 new")
    again = run(script, live_server, key, good)
    assert again.returncode == 0
    assert again.stdout.startswith("imported: 1 new")  # the first answer, replayed
    assert DailyTally.objects.get(date=DAY).history.count() == 1
