"""Site and tally rules are database constraints, on SQLite and on PostgreSQL alike."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sites.models import DailyTally, Site
from tests.assertions import refused
from tests.factories import CommitteeFactory, DailyTallyFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_site_code_is_unique():
    SiteFactory(code="WL-F-E")
    refused(lambda: SiteFactory(code="WL-F-E"))
    assert Site.objects.filter(code="WL-F-E").count() == 1


def test_site_needs_a_station():
    refused(lambda: SiteFactory(stations=0))


def test_site_cannot_close_before_it_opens():
    refused(
        lambda: SiteFactory(
            active_from=datetime.date(2021, 6, 7), active_to=datetime.date(2021, 6, 1)
        )
    )


def test_site_open_for_one_day_is_allowed():
    site = SiteFactory(active_from=datetime.date(2021, 6, 7), active_to=datetime.date(2021, 6, 7))
    assert site.pk


@pytest.mark.parametrize(
    ("opens_at", "closes_at"),
    [
        (datetime.time(19, 30), datetime.time(9, 0)),
        (datetime.time(9, 0), datetime.time(9, 0)),
        (datetime.time(9, 0), None),
        (None, datetime.time(19, 30)),
    ],
)
def test_site_opening_hours_must_be_in_order(opens_at, closes_at):
    refused(lambda: SiteFactory(opens_at=opens_at, closes_at=closes_at))


def test_site_open_9_to_19_30_is_stored():
    site = SiteFactory(opens_at=datetime.time(9, 0), closes_at=datetime.time(19, 30))
    assert site.closes_at == datetime.time(19, 30)


def test_tally_count_cannot_be_negative():
    refused(lambda: DailyTallyFactory(count=-1))
    tally = DailyTallyFactory(count=5)
    refused(lambda: DailyTally.objects.filter(pk=tally.pk).update(count=-3))
    tally.refresh_from_db()
    assert tally.count == 5


def test_tally_of_zero_is_stored_as_reported_zero():
    tally = DailyTallyFactory(count=0)
    assert DailyTally.objects.get(pk=tally.pk).count == 0


def test_tally_key_is_unique_for_a_committee():
    tally = DailyTallyFactory()
    refused(
        lambda: DailyTallyFactory(
            date=tally.date, site=tally.site, committee=tally.committee, dose_kind=tally.dose_kind
        )
    )
    assert DailyTally.objects.count() == 1


def test_tally_key_is_unique_for_non_residents_too():
    tally = DailyTallyFactory(committee=None)
    refused(
        lambda: DailyTallyFactory(
            date=tally.date, site=tally.site, committee=None, dose_kind=tally.dose_kind
        )
    )
    assert DailyTally.objects.filter(committee=None).count() == 1


def test_tallies_differing_in_one_key_part_are_separate_rows():
    tally = DailyTallyFactory(committee=None)
    site, day = tally.site, tally.date
    other_committee = CommitteeFactory(subdistrict=site.subdistrict)
    DailyTallyFactory(site=site, date=day, committee=None, dose_kind="second")
    DailyTallyFactory(site=site, date=day, committee=other_committee, dose_kind="first")
    DailyTallyFactory(site=site, date=day + datetime.timedelta(days=1), committee=None)
    DailyTallyFactory(site=SiteFactory(subdistrict=site.subdistrict), date=day, committee=None)
    assert DailyTally.objects.count() == 5


def test_duplicate_non_resident_tally_is_named_in_validation():
    tally = DailyTallyFactory(committee=None)
    duplicate = DailyTally(
        date=tally.date,
        site=tally.site,
        committee=None,
        dose_kind=tally.dose_kind,
        count=3,
        source="entry",
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "已有该日期、居委和剂次的数据" in str(error.value)


def test_tally_starts_at_version_one():
    assert DailyTallyFactory().version == 1
