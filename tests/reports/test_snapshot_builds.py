"""Every snapshot rebuild is logged: the dates, when, which job (a task and its id, a
task run in-process, a command), the latest tally change it saw (the data-as-of time)
and the time its rows carry; a build that fails is logged as failed and changes nothing."""

import datetime

import pytest
from django.core.management import call_command

from audit.models import SnapshotBuild
from reports.models import CommitteeDay, StaleDate
from reports.services import snapshots as services
from reports.services.snapshots import snapshots_rebuild
from reports.tasks import snapshots_rebuild as snapshots_rebuild_task
from reports.tasks import snapshots_rebuild_stale as snapshots_rebuild_stale_task
from sites.models import DailyTally
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db
START, DAY = datetime.date(2021, 1, 8), datetime.date(2021, 1, 9)


@pytest.fixture
def scene(settings, subdistrict, committee, subdistrict_staff):
    settings.STREETVAX_DEMO_DATE = DAY
    CampaignFactory()
    return SiteFactory(subdistrict=subdistrict), committee, subdistrict_staff


def save(scene, count, on=DAY):
    site, committee, user = scene
    stored = DailyTally.objects.filter(date=on, site=site, committee=committee).first()
    cell = TallyCell(
        date=on,
        site_id=site.pk,
        committee_id=committee.pk,
        dose_kind="first",
        count=count,
        seen_version=stored.version if stored else None,
    )
    record_tallies(user=user, cells=[cell], reason="更正")


def test_a_build_records_its_dates_job_and_the_data_as_of_time(scene):
    save(scene, 5)
    changed_at = DailyTally.history.get().history_date
    dates = snapshots_rebuild(start=START, trigger="command", job="rebuild_snapshots")
    build = SnapshotBuild.objects.get()
    assert (build.first_date, build.last_date) == (dates[0], dates[-1]) == (START, DAY)
    assert (build.status, build.trigger, build.job) == ("built", "command", "rebuild_snapshots")
    assert build.tallies_changed_at == changed_at
    # The snapshot's rows lead to this build: they carry its computed_at.
    row = CommitteeDay.objects.get(date=DAY)
    assert row.first_cumulative == 5
    assert build.computed_at == row.computed_at
    assert build.started_at <= build.computed_at <= build.finished_at
    assert build.error == ""


def test_the_rebuild_after_a_save_is_logged_as_an_in_process_task_with_its_id(
    scene, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        save(scene, 5)
    build = SnapshotBuild.objects.get()
    assert (build.trigger, build.job) == ("eager", "reports.tasks.snapshots_rebuild_stale")
    assert len(build.task_id) == 36  # a Celery task id (a UUID)
    assert build.tallies_changed_at == DailyTally.history.get().history_date


def test_a_task_on_a_worker_is_logged_with_its_task_id(scene):
    save(scene, 5)
    snapshots_rebuild_stale_task.push_request(id="5b4f7c1e-task", is_eager=False)
    try:
        snapshots_rebuild_stale_task(DAY.isoformat())
    finally:
        snapshots_rebuild_stale_task.pop_request()
    snapshots_rebuild_task.apply()
    worker, nightly = SnapshotBuild.objects.order_by("pk")
    assert (worker.trigger, worker.job, worker.task_id) == (
        "task",
        "reports.tasks.snapshots_rebuild_stale",
        "5b4f7c1e-task",
    )
    assert (nightly.trigger, nightly.job) == ("eager", "reports.tasks.snapshots_rebuild")
    assert (nightly.first_date, nightly.last_date) == (START, DAY)


def test_the_command_is_logged_as_the_command(scene):
    call_command("rebuild_snapshots", "--from", "2021-01-08", "--to", "2021-01-08")
    build = SnapshotBuild.objects.get()
    assert (build.trigger, build.job, build.first_date, build.last_date) == (
        "command",
        "rebuild_snapshots",
        START,
        START,
    )
    assert build.tallies_changed_at is None  # no tally changed yet


def test_a_failed_build_keeps_the_previous_snapshot_and_is_logged_as_failed(scene, monkeypatch):
    save(scene, 5)
    snapshots_rebuild(start=START)
    before = list(CommitteeDay.objects.values_list("date", "first_cumulative", "computed_at"))
    save(scene, 9)
    real = services.snapshots_build_dates

    def build_then_fail(*, start, end):
        real(start=start, end=end)  # the rows are written ...
        raise RuntimeError("time limit")  # ... and the transaction rolls back

    monkeypatch.setattr(services, "snapshots_build_dates", build_then_fail)
    with pytest.raises(RuntimeError):
        snapshots_rebuild(start=DAY)
    after = list(CommitteeDay.objects.values_list("date", "first_cumulative", "computed_at"))
    assert after == before
    assert StaleDate.objects.filter(date=DAY).exists()  # still to be rebuilt
    built, failed = SnapshotBuild.objects.order_by("pk")
    assert built.status == "built"
    assert (failed.status, failed.error, failed.computed_at) == (
        "failed",
        "RuntimeError: time limit",
        None,
    )
    assert (failed.first_date, failed.last_date) == (DAY, DAY)


def test_nothing_to_build_logs_nothing(db):
    assert snapshots_rebuild(start=START) == []  # no campaign
    assert not SnapshotBuild.objects.exists()
