"""No accepted tally can break a rebuild, and a rebuild that fails anyway keeps the last
good figures and tells administrators why.

By hand for the volume: 125 sites, each giving one committee the per-cell maximum of
100,000 first doses on each of the campaign's 174 days (2021-01-08 to 06-30): 21,750 cells
and 2,175,000,000 first doses by 06-30, above a 32-bit integer's 2,147,483,647. The
committee, its subdistrict and its district each hold that cumulative; its coverage is
2,175,000,000 ÷ 2,400 eligible (the figure is absurd, the rebuild must still not fail).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import SnapshotBuild
from reports.models import CommitteeDay, DistrictDay, StaleDate, SubdistrictDay
from reports.services import snapshots as services
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from sites.rules import MAX_COUNT
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db
START, END = datetime.date(2021, 1, 8), datetime.date(2021, 6, 30)
SITES = 125


def test_a_campaign_of_cells_at_the_maximum_still_rebuilds(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = END
    CampaignFactory()
    sites = [SiteFactory(subdistrict=subdistrict) for _ in range(SITES)]
    days = [START + datetime.timedelta(days=n) for n in range((END - START).days + 1)]
    assert len(days) == 174
    DailyTally.objects.bulk_create(
        DailyTally(
            date=day,
            site=site,
            committee=committee,
            dose_kind=DailyTally.DoseKind.FIRST,
            count=MAX_COUNT,
            source=DailyTally.Source.IMPORT,
        )
        for site in sites
        for day in days
    )
    total = SITES * len(days) * MAX_COUNT
    assert total == 2_175_000_000 > 2**31 - 1

    snapshots_rebuild(start=START)

    assert SnapshotBuild.objects.get().status == SnapshotBuild.Status.BUILT
    for model in (CommitteeDay, SubdistrictDay, DistrictDay):
        row = model.objects.get(date=END)
        assert (row.first_doses, row.first_cumulative) == (SITES * MAX_COUNT, total)
    assert CommitteeDay.objects.get(date=END).first_coverage == pytest.approx(total / 2_400)


def test_a_cell_above_the_maximum_is_refused_with_the_maximum_named(
    settings, subdistrict, committee, subdistrict_staff
):
    settings.STREETVAX_DEMO_DATE = END
    CampaignFactory()
    site = SiteFactory(subdistrict=subdistrict)
    cell = TallyCell(
        date=END, site_id=site.pk, committee_id=committee.pk, dose_kind="first", count=100_001
    )
    with pytest.raises(ValidationError) as refused:
        record_tallies(user=subdistrict_staff, cells=[cell], capacity_confirmed=True)
    assert refused.value.messages == ["每格每天最多 100000 剂：100001 太多了，未保存。"]
    assert not DailyTally.objects.exists()


@pytest.fixture
def failed_rebuild(settings, subdistrict, committee, subdistrict_staff, monkeypatch):
    """06-30 built with 5 doses; then 9 saved and its rebuild failing."""
    settings.STREETVAX_DEMO_DATE = END
    CampaignFactory()
    site = SiteFactory(subdistrict=subdistrict)

    def save(count, version=None):
        cell = TallyCell(
            date=END,
            site_id=site.pk,
            committee_id=committee.pk,
            dose_kind="first",
            count=count,
            seen_version=version,
        )
        record_tallies(user=subdistrict_staff, cells=[cell])

    save(5)
    snapshots_rebuild(start=START)
    save(9, version=1)

    def fail(*, start, end):
        raise RuntimeError("the figures of 06-30 do not fit")

    monkeypatch.setattr(services, "snapshots_build_dates", fail)
    with pytest.raises(RuntimeError):
        snapshots_rebuild(start=END)
    return committee


def ranking_page(client, user):
    client.force_login(user)
    return client.get(reverse("reports:ranking"), {"date": END.isoformat()}).content.decode()


def test_after_a_failed_rebuild_administrators_see_why_on_the_last_good_figures(
    client, failed_rebuild, administrator
):
    assert CommitteeDay.objects.get(date=END).first_cumulative == 5  # the last good figures
    assert StaleDate.objects.filter(date=END).exists()
    page = ranking_page(client, administrator)
    assert "正在更新" in page
    assert "的更新失败：显示的是上次成功生成的数据。原因：" in page
    assert "RuntimeError: the figures of 06-30 do not fit" in page


def test_other_readers_see_only_that_the_figures_are_updating(
    client, failed_rebuild, subdistrict_staff
):
    page = ranking_page(client, subdistrict_staff)
    assert "正在更新" in page
    assert "更新失败" not in page
    assert "RuntimeError" not in page


def test_a_later_good_build_takes_the_failure_notice_away(
    client, failed_rebuild, administrator, monkeypatch
):
    monkeypatch.undo()
    snapshots_rebuild(start=END)
    assert CommitteeDay.objects.get(date=END).first_cumulative == 9
    assert "更新失败" not in ranking_page(client, administrator)
