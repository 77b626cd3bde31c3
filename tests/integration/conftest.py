"""Real services for the integration and fault tests: Redis, PostgreSQL, Celery workers.

CI's second run sets STREETVAX_TEST_BROKER_URL (and DATABASE_URL to PostgreSQL): then every
test here that needs a service runs, and a missing service FAILS it. Without the variable
(a developer's SQLite run) those tests skip.
"""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.db import connection
from kombu import pools as kombu_pools

from portal.celery import app as celery_app

BROKER = os.environ.get("STREETVAX_TEST_BROKER_URL", "")
PROJECT = Path(__file__).resolve().parents[2]
# Ports for the Redis servers these tests start and stop themselves (never the machine's).
OWN_REDIS_PORTS = range(6391, 6399)
TODAY = datetime.date(2021, 6, 30)


# The mark of every test that needs the real services: they run where they are asked for
# (CI sets the variable), and there a missing service fails them (require_services).
needs_real_services = pytest.mark.skipif(
    not BROKER, reason="STREETVAX_TEST_BROKER_URL not set: no real services asked for"
)


def require_services() -> None:
    """The real services were asked for: PostgreSQL must be there too, since a worker
    process can only share a server database with the test."""
    if connection.vendor != "postgresql":
        pytest.fail(
            "STREETVAX_TEST_BROKER_URL is set but the database is not PostgreSQL: a worker "
            "needs a database it can share with the test (set DATABASE_URL)."
        )


def wait_for(condition: Callable[[], object], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def use_broker(url: str) -> None:
    """Point this process's Celery app at another broker, dropping cached connections."""
    celery_app.conf.update(broker_url=url or None)
    # The app's pools come from kombu's registry, keyed by URL: close and forget them all,
    # or the next use of the same URL gets a closed pool.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """The CI Redis (its database is flushed), this process dispatching to it."""
    require_services()
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis was asked for at {BROKER} and is not reachable: {error}")
    redis.Redis.from_url(BROKER).flushdb()
    previous = celery_app.conf["task_always_eager"]
    celery_app.conf.update(task_always_eager=False)
    use_broker(BROKER)
    yield BROKER
    celery_app.conf.update(task_always_eager=previous)
    use_broker(os.environ.get("CELERY_BROKER_URL", ""))


class RedisServer:
    """A redis-server of this test's own, on a free port, that the test may kill."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: the Redis fault test cannot run")
        self.binary, self.directory = binary, directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(self.answers, seconds=10):
            pytest.fail(f"the test's own redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False


def _free_port() -> int:
    for port in OWN_REDIS_PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail(f"no free port for a test Redis in {OWN_REDIS_PORTS}")


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server the test starts, stops and starts again; killed at the end."""
    require_services()
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


class Worker:
    """A `celery worker` process on the test database, its output kept in a file."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process, self.log_path = process, log

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM (a supervisor passes it on); after 10 s SIGKILL to the whole process
        group the test started (a supervisor and the worker under it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def _service_env(broker_url: str, extra: dict[str, str] | None) -> dict[str, str]:
    """A worker's or beat's environment: the test database, the given broker."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "STREETVAX_DEMO_DATE": TODAY.isoformat(),
        "STREETVAX_CELERY_EAGER": "false",
        **(extra or {}),
    }


# A command run under portal.supervise, which starts it again whenever it exits.
SUPERVISED = (sys.executable, "-m", "portal.supervise", "--")


@pytest.fixture
def start_worker(tmp_path, settings):
    """Start workers on the test database: ``start_worker(broker_url, app=..., options=[...],
    env={...}, supervised=False)``. ``app`` is the Celery app module
    (tests.integration.paused_worker pauses the rebuild inside its transaction);
    ``supervised`` runs it under portal.supervise, as production runs it under systemd.
    Every worker started is stopped at the end."""
    settings.STREETVAX_DEMO_DATE = TODAY
    started: list[Worker] = []

    def start(
        broker_url: str,
        *,
        app: str = "portal",
        options: tuple[str, ...] = ("--pool=solo",),
        env: dict[str, str] | None = None,
        supervised: bool = False,
    ) -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [
                *(SUPERVISED if supervised else ()),
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "worker",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *options,
            ],
            cwd=PROJECT,
            env=_service_env(broker_url, env),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, for stop()
        )
        worker = Worker(process, log)
        started.append(worker)
        if not wait_for(lambda: "ready." in worker.log() or process.poll() is not None, 60):
            pytest.fail("the worker did not start:\n" + worker.log()[-3000:])
        if process.poll() is not None:
            pytest.fail("the worker stopped at once:\n" + worker.log()[-3000:])
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def start_beat(tmp_path):
    """Start Celery beat, supervised, sending the sweeps every ``sweep_seconds``:
    ``start_beat(broker_url, sweep_seconds=2)``. Stopped at the end."""
    started: list[Worker] = []

    def start(broker_url: str, *, sweep_seconds: float) -> Worker:
        log = tmp_path / f"beat-{len(started)}.log"
        process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [
                *SUPERVISED,
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel=INFO",
                f"--schedule={tmp_path / f'beat-{len(started)}-schedule'}",
            ],
            cwd=PROJECT,
            env=_service_env(broker_url, {"STREETVAX_SWEEP_SECONDS": str(sweep_seconds)}),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, for stop()
        )
        beat = Worker(process, log)
        started.append(beat)
        if not wait_for(lambda: "beat: Starting" in beat.log() or process.poll() is not None):
            pytest.fail("beat did not start:\n" + beat.log()[-3000:])
        return beat

    yield start
    for beat in started:
        beat.stop()
