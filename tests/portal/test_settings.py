"""Settings come from the environment; production refuses to start unsafe."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def load_settings(**environment):
    """Import portal.settings in a fresh interpreter with exactly these variables."""
    env = {"PATH": os.environ["PATH"], **environment}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.TIME_ZONE, settings.LANGUAGE_CODE)"
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key_on_safe_defaults():
    result = load_settings(DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.sqlite3",
        "True",
        "Asia/Shanghai",
        "zh-hans",
    ]


def test_debug_runs_without_a_secret_key_for_local_use():
    assert load_settings(DJANGO_DEBUG="true").returncode == 0


def test_database_url_and_broker_switch_to_production_services():
    result = load_settings(
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/streetvax",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    _debug, engine, eager, *_ = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"


@pytest.mark.parametrize("path", ["locale/zh_Hans/LC_MESSAGES/django.mo"])
def test_compiled_translations_are_committed(path):
    assert (PROJECT / path).stat().st_size > 1000


def database_settings(**environment):
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "from django.conf import settings; db = settings.DATABASES['default']; "
        "print(json.dumps([db.get('OPTIONS', {}), db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
    )
    env = {"PATH": os.environ["PATH"], "DJANGO_SECRET_KEY": "x" * 50, **environment}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_embedded_sqlite_uses_wal_and_immediate_transactions():
    options, max_age, health_checks = database_settings()
    assert options == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    assert (max_age, health_checks) == (60, True)


def test_postgresql_keeps_checked_connections_without_sqlite_options():
    options, max_age, health_checks = database_settings(
        DATABASE_URL="postgres://u@db.example:5432/streetvax", DJANGO_CONN_MAX_AGE="0"
    )
    assert options == {}
    assert (max_age, health_checks) == (0, True)


def beat_schedule_file(**environment) -> str:
    env = {"PATH": os.environ["PATH"], "DJANGO_SECRET_KEY": "x" * 50, **environment}
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "from portal.celery import app; print(app.conf.beat_schedule_filename)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_beat_writes_its_schedule_outside_the_checkout(tmp_path):
    default = Path(beat_schedule_file())
    assert PROJECT not in default.parents
    chosen = beat_schedule_file(STREETVAX_BEAT_DIR=str(tmp_path))
    assert Path(chosen).parent == tmp_path
    assert "celerybeat-schedule*" in (PROJECT / ".gitignore").read_text().splitlines()


def test_make_install_installs_the_runtime_alone():
    result = subprocess.run(
        ["make", "-n", "-B", "install"],  # noqa: S607
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    installs = [line for line in result.stdout.splitlines() if "pip install" in line]
    assert installs
    assert all("-r requirements.txt" in line for line in installs)
    assert "requirements-dev" not in result.stdout
