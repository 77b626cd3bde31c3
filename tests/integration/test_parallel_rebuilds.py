"""Rebuilds never collide: two worker processes take the rebuilds of continuous saves,
and not one build fails (CI's second run, on PostgreSQL with a real worker; skipped
without STREETVAX_TEST_BROKER_URL, failed when it is set and a service is missing).

Before rebuilds were serialised, two workers rebuilding at once failed each other on the
snapshot tables' unique keys (``districtday_one_per_date``) or deadlocked: a third of
the builds in the issue's 90-second run. Each save here asks for a rebuild after commit,
as the entry grid does; the two prefork processes of one worker take them side by side,
wait for each other on the rebuild lock, and coalesce what is already done.

The scene: 4 committees at one site, saves for 12 days (06-19 to 06-30) in a fixed order,
each cell set to a new value, a correction of an earlier day every third save. By hand
the result is whatever the last save of each cell says; the test compares the snapshot the
workers left with one built from scratch afterwards.
"""

import datetime
import itertools
import time

import pytest

from audit.models import SnapshotBuild
from reports.builders import snapshots_build_dates
from reports.models import CommitteeDay, DistrictDay, StaleDate, SubdistrictDay, TargetProgress
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory
from tests.integration.conftest import TODAY, needs_real_services, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_real_services]
SNAPSHOTS = (CommitteeDay, SubdistrictDay, DistrictDay, TargetProgress)
DAYS = [TODAY - datetime.timedelta(days=n) for n in range(11, -1, -1)]
SAVING_SECONDS = 20


@pytest.fixture
def scene(subdistrict, committee, subdistrict_staff):
    campaign = CampaignFactory()
    committees = [committee, *(CommitteeFactory(subdistrict=subdistrict) for _ in range(3))]
    site = SiteFactory(subdistrict=subdistrict, active_from=campaign.start_date)
    return campaign, site, committees, subdistrict_staff


def snapshot() -> dict[str, list[tuple]]:
    rows = {}
    for model in SNAPSHOTS:
        fields = [
            f.attname for f in model._meta.concrete_fields if f.name not in ("id", "computed_at")
        ]
        rows[model.__name__] = sorted(model.objects.values_list(*fields))
    return rows


def test_two_worker_processes_and_continuous_saves_fail_no_build(broker, start_worker, scene):
    campaign, site, committees, user = scene
    worker = start_worker(broker, options=("--pool=prefork", "--concurrency=2"))
    versions: dict[tuple, int] = {}
    cells = itertools.cycle(itertools.product(DAYS, committees))
    saves = 0
    started = time.monotonic()
    while time.monotonic() - started < SAVING_SECONDS:
        day, committee = next(cells)
        if saves % 3 == 2:  # a correction of an earlier day, as clerks do
            day = DAYS[saves % len(DAYS)]
        key = (day, committee.pk)
        record_tallies(
            user=user,
            reason="补录",
            cells=[
                TallyCell(
                    date=day,
                    site_id=site.pk,
                    committee_id=committee.pk,
                    dose_kind="first",
                    count=saves % 50 + 1,
                    seen_version=versions.get(key),
                )
            ],
        )
        versions[key] = versions.get(key, 0) + 1
        saves += 1
        time.sleep(0.05)

    if not wait_for(lambda: not StaleDate.objects.exists(), seconds=120):
        pytest.fail("the rebuilds did not catch up:\n" + worker.log()[-3000:])
    builds = SnapshotBuild.objects.count()
    failed = SnapshotBuild.objects.filter(status=SnapshotBuild.Status.FAILED)
    errors = list(failed.values_list("error", flat=True)[:3])
    assert failed.count() == 0, f"{failed.count()} of {builds} builds failed: {errors}"
    assert builds >= 10, saves  # the workers did run, many times
    assert "ForkPoolWorker-1" in worker.log()
    assert "ForkPoolWorker-2" in worker.log()

    left_by_workers = snapshot()
    for model in SNAPSHOTS:
        model.objects.all().delete()
    snapshots_build_dates(start=campaign.start_date, end=TODAY)
    assert left_by_workers == snapshot()
