"""Snapshots follow the tallies: a burst of saves is one rebuild, the sweep repairs what a
missed job left, beat has the nightly schedule."""

import datetime

import pytest
from celery import current_app
from django.conf import settings as django_settings

from reports import builders
from reports.models import CommitteeDay, StaleDate
from reports.services import snapshots as services
from reports.tasks import snapshots_rebuild_stale
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2021, 1, 9)


@pytest.fixture
def scene(settings, subdistrict, committee, subdistrict_staff):
    settings.STREETVAX_DEMO_DATE = DAY
    CampaignFactory()
    return SiteFactory(subdistrict=subdistrict), committee, subdistrict_staff


def save(scene, count, dose="first"):
    site, committee, user = scene
    record_tallies(
        user=user,
        cells=[
            TallyCell(
                date=DAY, site_id=site.pk, committee_id=committee.pk, dose_kind=dose, count=count
            )
        ],
    )


def test_a_burst_of_saves_leads_to_one_rebuild(
    scene, monkeypatch, django_capture_on_commit_callbacks
):
    built = []
    real = builders.snapshots_build_dates

    def build(*, start, end):
        built.append((start, end))
        real(start=start, end=end)

    monkeypatch.setattr(services, "snapshots_build_dates", build)
    requested = []
    request_rebuild = services._request_rebuild
    monkeypatch.setattr(
        services,
        "_request_rebuild",
        lambda start: (requested.append(start), request_rebuild(start)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        save(scene, 5)
        save(scene, 6, dose="second")
        save(scene, 7, dose="booster")
    assert len(requested) == 3  # one request per save ...
    assert built == [(datetime.date(2021, 1, 8), DAY)]  # ... but the dates are built once
    assert not StaleDate.objects.exists()
    assert CommitteeDay.objects.get(date=DAY).first_cumulative == 5


def test_a_missed_rebuild_stays_marked_and_the_sweep_repairs_it(scene, monkeypatch):
    monkeypatch.setattr(services, "_request_rebuild", lambda start: None)  # broker down
    save(scene, 9)
    assert StaleDate.objects.filter(date=DAY).exists()
    assert not CommitteeDay.objects.exists()
    snapshots_rebuild_stale.delay()
    assert CommitteeDay.objects.get(date=DAY).first_cumulative == 9
    assert not StaleDate.objects.exists()


def test_a_rebuild_request_with_nothing_stale_does_nothing(scene):
    snapshots_rebuild_stale.delay(DAY.isoformat())
    assert not CommitteeDay.objects.exists()


def test_beat_rebuilds_every_night_and_sweeps_every_five_minutes():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"] for entry in schedule.values()}
    assert tasks == {
        "reports.tasks.snapshots_rebuild",
        "reports.tasks.snapshots_rebuild_stale",
        "sites.tasks.tally_imports_expire",  # not a rebuild: unconfirmed import files go
        "sites.tasks.tally_imports_send_queued",
        "robots.tasks.robot_sweep",  # the group robots' evening reminders
    }
    current_app.loader.import_default_modules()  # what a worker does when it starts
    assert tasks <= set(current_app.tasks)
    nightly = schedule["rebuild-yesterday-and-today"]["schedule"]
    assert (nightly.hour, nightly.minute) == ({1}, {0})
    assert schedule["sweep-stale-dates"]["schedule"] == 300.0
    assert schedule["send-queued-imports"]["schedule"] == 300.0
