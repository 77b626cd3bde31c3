"""The production path: a tally saved through the service is rebuilt by a real Celery
worker over Redis, and a down broker loses nothing.

Runs when STREETVAX_TEST_BROKER_URL names a Redis (CI sets it) on PostgreSQL, where a
worker process can share the test database. Asked for and unreachable, it fails.
"""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from portal.celery import app as celery_app
from reports.models import CommitteeDay, StaleDate
from reports.services import snapshots_rebuild_stale
from sites.models import DailyTally
from sites.services import TallyCell, record_tallies
from tests.factories import CampaignFactory, SiteFactory

BROKER = os.environ.get("STREETVAX_TEST_BROKER_URL", "")
PROJECT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2021, 6, 30)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER, reason="STREETVAX_TEST_BROKER_URL not set: no broker asked"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a worker process needs a shared database"
    ),
]


@pytest.fixture
def broker():
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


def use_broker(url):
    """Point this process's Celery app at another broker, dropping cached connections."""
    celery_app.conf.update(broker_url=url or None)
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(broker, settings):
    settings.STREETVAX_DEMO_DATE = TODAY
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "STREETVAX_DEMO_DATE": TODAY.isoformat(),
        "STREETVAX_CELERY_EAGER": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def scene(subdistrict, committee, subdistrict_staff):
    CampaignFactory()
    site = SiteFactory(subdistrict=subdistrict, active_from=datetime.date(2021, 6, 1))
    return site, committee, subdistrict_staff


def save(scene, count, version=None):
    site, committee, user = scene
    started = time.monotonic()
    record_tallies(
        user=user,
        cells=[
            TallyCell(
                date=TODAY,
                site_id=site.pk,
                committee_id=committee.pk,
                dose_kind="first",
                count=count,
                seen_version=version,
            )
        ],
    )
    return time.monotonic() - started


def first_cumulative(committee):
    row = CommitteeDay.objects.filter(date=TODAY, committee=committee).first()
    return row.first_cumulative if row else None


def test_a_saved_tally_is_rebuilt_by_the_worker(worker, scene):
    committee = scene[1]
    save(scene, 42)
    if not wait_for(lambda: first_cumulative(committee) == 42):
        worker.terminate()
        pytest.fail("the worker did not rebuild the snapshot:\n" + worker.communicate()[0][-3000:])
    assert wait_for(lambda: not StaleDate.objects.exists(), seconds=10)


def test_a_down_broker_keeps_the_save_and_the_sweep_repairs_it(broker, scene, settings, caplog):
    settings.STREETVAX_DEMO_DATE = TODAY
    use_broker("redis://127.0.0.1:6399/0")  # nothing listens here
    took = save(scene, 17)
    assert "Could not schedule the snapshot rebuild" in caplog.text
    assert "Connection refused" in caplog.text
    assert took < 3
    assert DailyTally.objects.get().count == 17
    assert StaleDate.objects.filter(date=TODAY).exists()
    assert first_cumulative(scene[1]) is None

    snapshots_rebuild_stale()  # what the periodic sweep does once the broker is back
    assert first_cumulative(scene[1]) == 17
    assert not StaleDate.objects.exists()
