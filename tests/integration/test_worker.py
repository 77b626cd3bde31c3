"""The production path: a tally saved through the service is rebuilt by a real Celery
worker over Redis, and a down broker loses nothing.

Runs when STREETVAX_TEST_BROKER_URL names a Redis (CI sets it) on PostgreSQL, where a
worker process can share the test database. Asked for and unreachable, it fails.
"""

import time

import pytest

from reports.models import CommitteeDay, StaleDate
from reports.services.snapshots import snapshots_rebuild_stale
from sites.models import DailyTally
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CampaignFactory, SiteFactory
from tests.integration.conftest import TODAY, needs_real_services, use_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_real_services]


@pytest.fixture
def worker(broker, start_worker):
    return start_worker(broker)


@pytest.fixture
def scene(subdistrict, committee, subdistrict_staff):
    CampaignFactory()
    site = SiteFactory(subdistrict=subdistrict, active_from=TODAY.replace(day=1))
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
        pytest.fail("the worker did not rebuild the snapshot:\n" + worker.log()[-3000:])
    assert wait_for(lambda: not StaleDate.objects.exists(), seconds=10)


def test_a_down_broker_keeps_the_save_and_the_sweep_repairs_it(broker, scene, settings, caplog):
    settings.STREETVAX_DEMO_DATE = TODAY
    use_broker("redis://127.0.0.1:6399/0")  # nothing listens here
    took = save(scene, 17)
    assert "Could not send reports.tasks.snapshots_rebuild_stale" in caplog.text
    assert "Connection refused" in caplog.text
    assert took < 3
    assert DailyTally.objects.get().count == 17
    assert StaleDate.objects.filter(date=TODAY).exists()
    assert first_cumulative(scene[1]) is None

    snapshots_rebuild_stale()  # what the periodic sweep does once the broker is back
    assert first_cumulative(scene[1]) == 17
    assert not StaleDate.objects.exists()
