"""A dead broker costs a request one fast attempt, then nothing for a few seconds.

No real broker is needed: the broker named here is a port nothing listens on, which
refuses at once, as a Redis that was killed does.
"""

import os

import pytest
import redis.connection
from kombu.exceptions import OperationalError

from campaign import broker as broker_module
from campaign.broker import broker_send
from portal.celery import app as celery_app
from reports.tasks import snapshots_rebuild_stale
from tests.integration.conftest import use_broker

DEAD_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens here


@pytest.fixture
def dead_broker():
    previous = celery_app.conf["task_always_eager"]
    celery_app.conf.update(task_always_eager=False)
    use_broker(DEAD_BROKER)
    yield
    celery_app.conf.update(task_always_eager=previous)
    use_broker(os.environ.get("CELERY_BROKER_URL", ""))


@pytest.fixture
def connects(monkeypatch):
    """Every TCP connection redis-py opens to the broker."""
    opened = []
    original = redis.connection.Connection._connect

    def counted(self):
        opened.append((self.host, self.port))
        return original(self)

    monkeypatch.setattr(redis.connection.Connection, "_connect", counted)
    return opened


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(broker_module.time, "monotonic", clock.monotonic)
    return clock


def test_a_send_to_a_dead_broker_connects_once_without_retrying(dead_broker, connects, caplog):
    assert broker_send(snapshots_rebuild_stale) is False
    assert connects == [("127.0.0.1", 6390)]  # one attempt, no retry loop
    assert "Could not send reports.tasks.snapshots_rebuild_stale" in caplog.text
    assert celery_app.conf.broker_transport_options["socket_connect_timeout"] <= 0.5


def test_after_a_failure_no_send_touches_the_broker_for_the_pause(
    dead_broker, connects, clock, settings
):
    settings.STREETVAX_BROKER_PAUSE_SECONDS = 5
    assert broker_send(snapshots_rebuild_stale) is False
    for _ in range(20):  # twenty saves in the next seconds
        clock.now += 0.2
        assert broker_send(snapshots_rebuild_stale) is False
    assert len(connects) == 1
    clock.now += 1.1  # 5.1 s after the failure: one attempt again
    assert broker_send(snapshots_rebuild_stale) is False
    assert broker_send(snapshots_rebuild_stale) is False  # its failure starts a new pause
    assert len(connects) == 2


def test_the_broker_back_closes_the_circuit(dead_broker, clock, monkeypatch, settings):
    settings.STREETVAX_BROKER_PAUSE_SECONDS = 5
    sent = []
    assert broker_send(snapshots_rebuild_stale) is False
    monkeypatch.setattr(snapshots_rebuild_stale, "delay", lambda *args: sent.append(args))
    assert broker_send(snapshots_rebuild_stale) is False  # still paused: not even tried
    clock.now += 5
    assert broker_send(snapshots_rebuild_stale) is True
    assert broker_send(snapshots_rebuild_stale) is True  # closed: every send goes through
    assert len(sent) == 2


def test_without_a_broker_the_job_runs_in_process_and_its_failure_is_logged(
    monkeypatch, caplog, db
):
    assert celery_app.conf.task_always_eager

    def broken():
        raise OperationalError("the database went away")

    monkeypatch.setattr(snapshots_rebuild_stale, "run", broken)
    assert broker_send(snapshots_rebuild_stale) is False
    assert "The in-process job reports.tasks.snapshots_rebuild_stale failed" in caplog.text
