"""The embedded default (SQLite, Celery eager) with several writers at once: six processes
save the same day at the same time, three through ``record_tallies`` and three through the
entry grid page, each 12 times, each save followed by its in-process snapshot rebuild. No
"database is locked" (or any other failure) reaches anybody, and nothing is lost.

A file database of the test's own (the suite's in-memory database has one connection, so
no concurrency), with the project's settings: write-ahead logging, immediate transactions.
Runs on every CI run, whatever DATABASE_URL says.

By hand: 6 sites × 3 committees; every writer ends with 12 first doses per committee at
its site, version 12. Each committee then has 6 × 12 = 72 cumulative first doses.
"""

import json
import os
import subprocess
import sys

from tests.integration.conftest import PROJECT, TODAY

WRITERS = [("service", 0), ("service", 1), ("service", 2), ("web", 3), ("web", 4), ("web", 5)]
ROUNDS = 40


def run(env, *args, wait=True):
    command = [sys.executable, "-m", "tests.integration.sqlite_writers", *map(str, args)]
    process = subprocess.Popen(  # noqa: S603 (our own arguments)
        command,
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if not wait:
        return process
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output
    return json.loads(output.strip().splitlines()[-1])


def test_concurrent_writers_on_sqlite_never_see_database_is_locked(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "STREETVAX_TEST_BROKER_URL")
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "STREETVAX_DEMO_DATE": TODAY.isoformat(),
        "STREETVAX_CELERY_EAGER": "true",
    }
    scene = run(env, "setup", len(WRITERS))
    assert len(scene["sites"]) == len(WRITERS)

    writers = [run(env, mode, n, ROUNDS, wait=False) for mode, n in WRITERS]
    outputs = [writer.communicate(timeout=600)[0] for writer in writers]
    everything = "\n".join(outputs)
    assert "database is locked" not in everything
    assert "FAILED" not in everything, everything[-5000:]
    assert [writer.returncode for writer in writers] == [0] * len(WRITERS), everything[-5000:]

    result = run(env, "check")
    assert result["journal_mode"] == "wal"
    assert result["tallies"] == [[ROUNDS, ROUNDS]] * (len(WRITERS) * 3)
    assert result["first_cumulative"] == [len(WRITERS) * ROUNDS] * 3
    assert result["stale"] == 0
    # Every save's in-process rebuild ran, one at a time (BEGIN IMMEDIATE), none failed.
    assert result["builds"] >= ROUNDS
    assert result["failed_builds"] == 0
