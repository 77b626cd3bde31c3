"""A tally save marks its days' snapshots stale in the same transaction, although the
sites app imports nothing from reports: the mark and the tallies commit or fail together."""

import datetime

import pytest
from django.db import DatabaseError, transaction

from reports.models import StaleDate
from sites.models import DailyTally
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2021, 1, 9)


@pytest.fixture
def cell(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = DAY
    CampaignFactory()
    site = SiteFactory(subdistrict=subdistrict)
    return TallyCell(
        date=DAY, site_id=site.pk, committee_id=committee.pk, dose_kind="first", count=4
    )


def test_a_save_marks_its_day_stale_before_it_commits(cell, subdistrict_staff):
    with transaction.atomic():
        record_tallies(user=subdistrict_staff, cells=[cell])
        assert list(StaleDate.objects.values_list("date", flat=True)) == [DAY]
        transaction.set_rollback(True)
    assert not DailyTally.objects.exists()
    assert not StaleDate.objects.exists()


def test_when_the_stale_mark_fails_no_tally_is_saved(cell, subdistrict_staff, monkeypatch):
    def fail(*, dates):
        raise DatabaseError("stale marks unavailable")

    monkeypatch.setattr("reports.receivers.snapshots_mark_stale", fail)
    with pytest.raises(DatabaseError):
        record_tallies(user=subdistrict_staff, cells=[cell])
    assert not DailyTally.objects.exists()
