"""Faults of the worker that rebuilds the snapshots, with a real Celery worker over Redis on
PostgreSQL (CI's second run; skipped without STREETVAX_TEST_BROKER_URL, failed when it is
set and a service is missing).

The worker runs ``tests.integration.paused_worker``: the production app whose rebuild
pauses inside its transaction, after it has deleted the range's old rows and written the
new committee, subdistrict and district rows. There the test looks at the snapshot from
outside, then kills the worker or lets the time limit strike.

The scene, by hand: committees A (1,000 eligible) and B (500) at one site. Tallies of first
doses: 06-28 A 100, B 50; 06-29 A 20, B 30. The clerk then corrects 06-29 A from 20 to 80.
Before the correction A has 120 cumulative on 06-29 (12.0%), B 80 (16.0%): B first, A
second. After it A has 180 (18.0%): A first, B second. 06-30 has no tallies: the same
cumulative figures.
"""

import datetime
import os
import signal

import pytest
from django.db import connection

from campaign.models import Target
from reports.builders import snapshots_build_dates
from reports.models import CommitteeDay, DistrictDay, StaleDate, SubdistrictDay, TargetProgress
from reports.tasks import snapshots_rebuild_stale as snapshots_rebuild_stale_task
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DailyTallyFactory,
    SiteFactory,
    TargetFactory,
)
from tests.integration.conftest import TODAY, needs_real_services, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_real_services]

DAY_BEFORE = TODAY - datetime.timedelta(days=2)
YESTERDAY = TODAY - datetime.timedelta(days=1)
SNAPSHOTS = (CommitteeDay, SubdistrictDay, DistrictDay, TargetProgress)
PAUSED_APP = "tests.integration.paused_worker"


@pytest.fixture
def scene(subdistrict, committee, subdistrict_staff):
    campaign = CampaignFactory()
    committee.eligible_population = 1000
    committee.save()
    other = CommitteeFactory(subdistrict=subdistrict, eligible_population=500)
    site = SiteFactory(subdistrict=subdistrict, active_from=TODAY.replace(day=1))
    for day, counts in ((DAY_BEFORE, (100, 50)), (YESTERDAY, (20, 30))):
        for who, count in zip((committee, other), counts, strict=True):
            DailyTallyFactory(date=day, site=site, committee=who, count=count)
    TargetFactory(
        campaign=campaign,
        subdistrict=subdistrict,
        period_start=TODAY.replace(day=1),
        period_end=TODAY,
        metric=Target.Metric.FIRST,
        value=250,
    )
    snapshots_build_dates(start=campaign.start_date, end=TODAY)
    return site, committee, other, subdistrict_staff


def correct_yesterday(scene):
    """The clerk's correction, through the service: committed, marked stale, and the
    rebuild asked of the broker after commit."""
    site, committee, _other, user = scene
    record_tallies(
        user=user,
        reason="录入错误",
        cells=[
            TallyCell(
                date=YESTERDAY,
                site_id=site.pk,
                committee_id=committee.pk,
                dose_kind="first",
                count=80,
                seen_version=1,
            )
        ],
    )


def snapshot() -> dict[str, list[tuple]]:
    """Every snapshot row but its id and computed_at, in a stable order."""
    rows = {}
    for model in SNAPSHOTS:
        fields = [
            f.attname for f in model._meta.concrete_fields if f.name not in ("id", "computed_at")
        ]
        rows[model.__name__] = sorted(model.objects.values_list(*fields))
    return rows


def clean_build(campaign_start: datetime.date) -> dict[str, list[tuple]]:
    for model in SNAPSHOTS:
        model.objects.all().delete()
    snapshots_build_dates(start=campaign_start, end=TODAY)
    return snapshot()


def ranking(on):
    return list(
        CommitteeDay.objects.filter(date=on)
        .order_by("rank_in_subdistrict")
        .values_list("committee__eligible_population", "first_cumulative", "rank_in_subdistrict")
    )


def backend_in_transaction() -> bool:
    """A worker's PostgreSQL session holds an open, uncommitted transaction (waiting for
    the worker, or running a statement in it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        return cursor.fetchone()[0] > 0


def pause_env(tmp_path, **extra):
    return {
        "STREETVAX_TEST_PAUSE_FILE": str(tmp_path / "paused"),
        **{f"STREETVAX_TEST_PAUSE_{key.upper()}": value for key, value in extra.items()},
    }


def test_the_scene_is_what_the_docstring_says(broker, scene):
    assert ranking(YESTERDAY) == [(500, 80, 1), (1000, 120, 2)]


def test_a_worker_process_killed_mid_rebuild_runs_the_task_again(
    broker, start_worker, scene, tmp_path
):
    before = snapshot()
    worker = start_worker(
        broker,
        app=PAUSED_APP,
        options=("--pool=prefork", "--concurrency=1"),
        env=pause_env(tmp_path, once="true"),
    )
    paused = tmp_path / "paused"
    correct_yesterday(scene)
    if not wait_for(paused.exists):
        pytest.fail("the rebuild never reached its pause:\n" + worker.log()[-3000:])

    # Inside the rebuild: old rows deleted, new ones written, nothing committed. Outside,
    # the snapshot is whole and the old one; the ranking says it is being updated.
    assert wait_for(backend_in_transaction, seconds=10)
    assert snapshot() == before
    assert ranking(YESTERDAY) == [(500, 80, 1), (1000, 120, 2)]
    assert StaleDate.objects.filter(date=YESTERDAY).exists()

    os.kill(int(paused.read_text()), signal.SIGKILL)  # the pool process running the task

    # The worker puts the task back (acks_late, task_reject_on_worker_lost) and a new pool
    # process runs it to the end. Nothing else runs a rebuild here: no beat, no sweep.
    if not wait_for(lambda: not StaleDate.objects.exists()):
        pytest.fail("the killed rebuild did not run again:\n" + worker.log()[-3000:])
    # The worker logs the success after the rebuild's commit, which cleared the mark.
    wait_for(lambda: " succeeded in " in worker.log(), seconds=30)
    log = worker.log()
    assert "signal 9 (SIGKILL)" in log
    received = [line for line in log.splitlines() if "snapshots_rebuild_stale[" in line]
    assert sum(line.endswith("received") for line in received) == 2, log  # run again
    assert sum(" succeeded in " in line for line in received) == 1, log
    assert ranking(YESTERDAY) == [(1000, 180, 1), (500, 80, 2)]
    assert ranking(TODAY) == [(1000, 180, 1), (500, 80, 2)]
    rebuilt = snapshot()
    assert rebuilt != before
    assert rebuilt == clean_build(datetime.date(2021, 1, 8))


def test_a_whole_worker_killed_mid_rebuild_has_its_task_run_by_another(
    broker, start_worker, scene, tmp_path
):
    """The machine under the worker dies: no process is left to put the task back. Redis
    gives an unacknowledged task to another worker after the visibility timeout (10 minutes
    in production, 2 seconds here)."""
    before = snapshot()
    env = {**pause_env(tmp_path, once="true"), "STREETVAX_TEST_VISIBILITY_TIMEOUT": "2"}
    first = start_worker(broker, app=PAUSED_APP, env=env)
    paused = tmp_path / "paused"
    correct_yesterday(scene)
    if not wait_for(paused.exists):
        pytest.fail("the rebuild never reached its pause:\n" + first.log()[-3000:])
    assert snapshot() == before

    first.kill()  # SIGKILL to the solo worker itself
    assert snapshot() == before
    assert StaleDate.objects.filter(date=YESTERDAY).exists()

    second = start_worker(broker, app=PAUSED_APP, env=env)
    if not wait_for(lambda: not StaleDate.objects.exists()):
        pytest.fail("no other worker ran the lost task:\n" + second.log()[-3000:])
    assert "Task reports.tasks.snapshots_rebuild_stale[" in second.log()
    assert ranking(YESTERDAY) == [(1000, 180, 1), (500, 80, 2)]
    assert snapshot() == clean_build(datetime.date(2021, 1, 8))


@pytest.mark.parametrize(
    ("limits", "pause_in", "logged"),
    [
        ((2, 60), "python", "SoftTimeLimitExceeded"),
        ((2, 4), "database", "Hard time limit (4"),
    ],
    ids=["soft", "hard"],
)
def test_a_rebuild_that_hits_its_time_limit_keeps_the_previous_snapshot(
    broker, start_worker, scene, tmp_path, limits, pause_in, logged, monkeypatch
):
    """The limits travel in the task message, from the settings of the process that sends
    it (CELERY_TASK_SOFT_TIME_LIMIT and CELERY_TASK_TIME_LIMIT: 4 and 5 minutes). The soft
    limit raises inside the task, which unwinds the transaction; the hard limit kills the
    pool process, when a long statement keeps the soft one from being raised."""
    soft, hard = limits
    monkeypatch.setattr(snapshots_rebuild_stale_task, "soft_time_limit", soft)
    monkeypatch.setattr(snapshots_rebuild_stale_task, "time_limit", hard)
    monkeypatch.setattr(snapshots_rebuild_stale_task, "_exec_options", None)  # Celery's cache
    before = snapshot()
    worker = start_worker(
        broker,
        app=PAUSED_APP,
        options=("--pool=prefork", "--concurrency=1"),
        env=pause_env(tmp_path, seconds="12", **{"in": pause_in}),
    )
    correct_yesterday(scene)
    if not wait_for(lambda: logged in worker.log()):
        pytest.fail("the time limit did not strike:\n" + worker.log()[-3000:])
    assert snapshot() == before
    assert wait_for(lambda: not backend_in_transaction(), seconds=30)  # rolled back
    assert snapshot() == before
    assert ranking(YESTERDAY) == [(500, 80, 1), (1000, 120, 2)]
    # The date stays marked: the ranking says "updating" and the sweep tries again.
    assert StaleDate.objects.filter(date=YESTERDAY).exists()
