"""Unusual figures are questioned where they are entered: the grid asks before saving a
day far above the site's recent days (a typed extra zero), an import lists them as
warnings before it is confirmed; the rule's parameters are the campaign's."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaign.models import Campaign
from sites.models import DailyTally, TallyImport
from sites.selectors.outliers import DEFAULT_RULE, OutlierRule
from sites.services.imports import tally_import_check, tally_import_run
from sites.services.tallies import TallyCell, UnusualFigures, record_tallies
from tests.factories import SiteFactory
from tests.sites.conftest import TODAY, YESTERDAY
from tests.sites.test_imports import HEADER_ZH, csv_file

pytestmark = pytest.mark.django_db

# 14 ordinary days before today: 230 … 270 first doses to the committee's residents.
ORDINARY = [250, 240, 260, 255, 245, 230, 270, 250, 248, 252, 262, 238, 251, 249]


@pytest.fixture
def busy_site(subdistrict, committee):
    """A fixed site with room for 5,000 a day, so capacity never asks: only the rule."""
    site = SiteFactory(
        subdistrict=subdistrict, code="WL-F-01", name="万里街道固定接种点", daily_capacity=5_000
    )
    DailyTally.objects.bulk_create(
        DailyTally(
            date=TODAY - datetime.timedelta(days=n + 1),
            site=site,
            committee=committee,
            dose_kind="first",
            count=count,
            source="entry",
        )
        for n, count in enumerate(reversed(ORDINARY))
    )
    return site


def grid_url(site, on=TODAY):
    return reverse("sites:entry", args=[site.pk, on.isoformat()])


# The rule ----------------------------------------------------------------------------------


def test_the_ceiling_is_the_median_plus_k_spreads():
    rule = OutlierRule(Decimal("5"), 14, Decimal("3"))
    # median 250, MAD 6, but the spread is at least a fifth of the usual day: 50.
    assert rule.ceiling(ORDINARY) == 250 + 5 * 50
    # A site whose days vary a lot: median 100, MAD 40.
    assert rule.ceiling([60, 100, 140, 60, 140, 100, 100]) == 100 + 5 * 40
    # A quiet site: the spread is at least 5 doses.
    assert rule.ceiling([0, 1, 0, 2, 0]) == 0 + 5 * 5


def test_a_new_phase_is_usual_after_its_first_days():
    """Two weeks at 50 a day, then a drive: three days at 180 make 180 the usual day."""
    rule = OutlierRule(Decimal("5"), 14, Decimal("3"))
    assert rule.ceiling([50] * 14) == 50 + 5 * 10
    assert rule.ceiling([50] * 11 + [180, 175, 185]) == 180 + 5 * 36


def test_too_few_recent_days_say_nothing():
    assert DEFAULT_RULE.ceiling([250, 250, 250, 250]) is None


def test_the_defaults_are_documented_ones():
    assert (DEFAULT_RULE.mad_multiple, DEFAULT_RULE.reported_days) == (Decimal("5.0"), 14)
    assert DEFAULT_RULE.capacity_limit(500) == 1_500


# The grid ----------------------------------------------------------------------------------


def test_a_typed_extra_zero_is_asked_before_it_is_saved(
    client, busy_site, committee, subdistrict_staff
):
    client.force_login(subdistrict_staff)
    cell = f"count-{committee.pk}-first"
    page = client.post(grid_url(busy_site), {cell: "2500"}).content.decode()
    assert not DailyTally.objects.filter(date=TODAY).exists()
    assert 'id="unusual-figures"' in page
    assert "2500 剂，远高于该接种点近期的日接种数（中位数 250，通常不超过 500）" in page
    assert "万里雅筑居民区 · 第一剂" in page  # the cell, named
    assert "是的，这些数字无误。" in page
    client.post(grid_url(busy_site), {cell: "2500", "capacity_confirmed": "on"})
    assert DailyTally.objects.get(date=TODAY).count == 2500


def test_an_ordinary_day_is_saved_without_a_question(
    client, busy_site, committee, subdistrict_staff
):
    client.force_login(subdistrict_staff)
    response = client.post(grid_url(busy_site), {f"count-{committee.pk}-first": "250"})
    assert response.status_code == 302
    assert DailyTally.objects.get(date=TODAY).count == 250


def test_a_cell_far_above_its_own_days_is_asked_though_the_day_is_not(
    busy_site, committee, neighbour, subdistrict_staff
):
    """Non-residents usually 3 a day: 300 of them on a day of 250 residents less."""
    DailyTally.objects.bulk_create(
        DailyTally(
            date=TODAY - datetime.timedelta(days=n + 1),
            site=busy_site,
            committee=None,
            dose_kind="first",
            count=3,
            source="entry",
        )
        for n in range(14)
    )
    cells = [TallyCell(TODAY, busy_site.pk, None, "first", 300)]
    with pytest.raises(UnusualFigures) as asked:
        record_tallies(user=subdistrict_staff, cells=cells)
    (unusual,) = asked.value.unusual
    assert (unusual.committee_id, unusual.dose_kind, unusual.value) == (None, "first", 300)


def test_above_three_times_capacity_is_asked_without_any_history(
    client, site, committee, subdistrict_staff
):
    """The temporary site has no recent days; 1,000 is above 3 × its capacity of 300."""
    client.force_login(subdistrict_staff)
    page = client.post(grid_url(site), {f"count-{committee.pk}-first": "1000"}).content.decode()
    assert "超过该接种点日接种能力 300" in page  # the capacity question, as before
    assert "1000 剂，超过 900（日接种能力的倍数）" in page
    assert not DailyTally.objects.exists()


def test_the_campaigns_parameters_decide(busy_site, committee, subdistrict_staff):
    Campaign.objects.update(outlier_mad_multiple=Decimal("1.0"))
    cells = [TallyCell(TODAY, busy_site.pk, committee.pk, "first", 320)]  # above 250 + 50
    with pytest.raises(UnusualFigures):
        record_tallies(user=subdistrict_staff, cells=cells)
    Campaign.objects.update(outlier_mad_multiple=Decimal("5.0"))
    record_tallies(user=subdistrict_staff, cells=cells)
    assert DailyTally.objects.get(date=TODAY).count == 320


# Imports -----------------------------------------------------------------------------------


def test_an_import_lists_unusual_days_as_warnings_and_may_still_be_confirmed(
    client, busy_site, committee, subdistrict_staff
):
    content = csv_file(
        f"{TODAY},WL-F-01,{committee.code},第一剂,2500",
        header=HEADER_ZH,
    )
    client.force_login(subdistrict_staff)
    page = client.post(
        reverse("sites:import_index"),
        {"file": SimpleUploadedFile("今日.csv", content)},
        follow=True,
    ).content.decode()
    log = TallyImport.objects.get()
    assert log.status == TallyImport.Status.CHECKED  # a warning, not an error
    assert log.rows_rejected == 0
    assert log.warnings == [
        {
            "line": 2,
            "site": "WL-F-01",
            "date": TODAY.isoformat(),
            "message": "2500 剂，远高于该接种点近期的日接种数（中位数 250，通常不超过 500）",
        }
    ]
    assert 'id="import-warnings"' in page
    assert "确认导入" in page
    tally_import_run(log=log)
    assert DailyTally.objects.get(date=TODAY).count == 2500


def test_an_import_counts_the_stored_cells_it_leaves(
    busy_site, committee, neighbour, subdistrict_staff
):
    """Today already holds 250 for the committee; the file adds 40 for the neighbour:
    a day of 290, ordinary. Correcting the committee's 250 to 25 is not unusual either."""
    DailyTally.objects.create(
        date=TODAY, site=busy_site, committee=committee, dose_kind="first", count=250
    )
    content = csv_file(
        f"{TODAY},WL-F-01,{neighbour.code},第一剂,40",
        f"{YESTERDAY},WL-F-01,{committee.code},第一剂,25",
    )
    log = tally_import_check(user=subdistrict_staff, file_name="a.csv", content=content)
    assert log.status == TallyImport.Status.CHECKED
    assert log.warnings == []


def test_an_ordinary_file_has_no_warning(busy_site, committee, subdistrict_staff):
    content = csv_file(f"{TODAY},WL-F-01,{committee.code},第一剂,260")
    log = tally_import_check(user=subdistrict_staff, file_name="a.csv", content=content)
    assert log.warnings == []
