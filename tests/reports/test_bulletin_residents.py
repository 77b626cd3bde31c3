"""The bulletin's people count beside its coverage counts residents only; the dose total
still counts everybody vaccinated at the subdistrict's sites.

One subdistrict of 1,000 eligible people, one committee, one site; on the day residents
get 100 first doses and 20 second doses, non-residents 50 first doses and 5 second doses:
first-dose coverage 10.0% of 100 residents, full course 2.0% of 20, 175 doses in all.
"""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import Bulletin
from reports.presentation import bulletin_image
from reports.presentation.bulletins import bulletin_sections
from reports.selectors.bulletins import bulletin_figures
from reports.services.bulletins import bulletin_publish
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2021, 4, 29)


@pytest.fixture
def day_with_non_residents(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = DAY
    subdistrict.eligible_population = 1_000
    subdistrict.save()
    committee.eligible_population = 1_000
    committee.save()
    CampaignFactory(start_date=DAY)
    site = SiteFactory(subdistrict=subdistrict, daily_capacity=2_000)
    for who, dose, count in [
        (committee, "first", 100),
        (None, "first", 50),
        (committee, "second", 20),
        (None, "second", 5),
    ]:
        DailyTally.objects.create(
            date=DAY, site=site, committee=who, dose_kind=dose, count=count, source="import"
        )
    snapshots_rebuild(start=DAY)


def test_figures_carry_the_residents_beside_the_doses_at_the_sites(
    day_with_non_residents, subdistrict
):
    totals = bulletin_figures(subdistrict=subdistrict, on=DAY)["totals"]
    assert totals["first_percent"] == pytest.approx(10.0)
    assert totals["residents_first_cumulative"] == 100
    assert totals["full_course_percent"] == pytest.approx(2.0)
    assert totals["residents_full_course_cumulative"] == 20
    assert totals["first_cumulative"] == 150  # every first dose at its sites
    assert totals["doses_cumulative"] == 175  # "累计 N 剂" counts non-residents too


def test_preview_shows_the_residents_beside_the_percentages(
    client, day_with_non_residents, subdistrict, subdistrict_staff
):
    client.force_login(subdistrict_staff)
    query = {"subdistrict": subdistrict.pk, "date": DAY.isoformat()}
    html = client.get(reverse("reports:bulletin_preview"), query).content.decode()
    assert "10.0%" in html
    assert "100 人" in html
    assert "150 人" not in html
    assert "20 人" in html
    assert "25 人" not in html
    assert "累计 175 剂" in html


def test_png_text_shows_the_residents(day_with_non_residents, subdistrict, subdistrict_staff):
    bulletin = bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=DAY)
    drawn: list[str] = []
    bulletin_image.bulletin_png(
        bulletin_sections(bulletin.figures), footer="footer", restated=False, drawn=drawn
    )
    text = " ".join(drawn)
    assert "10.0%  (100)" in text
    assert "2.0%  (20)" in text
    assert "(150)" not in text


def test_png_view_draws_the_residents(
    client, day_with_non_residents, subdistrict, subdistrict_staff, monkeypatch
):
    """The view hands the drawer the sections whose people count is the residents'."""
    bulletin = bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=DAY)
    seen = []
    real = bulletin_image.bulletin_png

    def spy(sections, **kwargs):
        seen.append((sections.first_people, sections.full_course_people))
        return real(sections, **kwargs)

    monkeypatch.setattr("reports.presentation.bulletin_image.bulletin_png", spy)
    client.force_login(subdistrict_staff)
    response = client.get(reverse("reports:bulletin_png", args=[bulletin.pk]))
    assert response.status_code == 200
    assert seen == [(100, 20)]


def test_xlsx_has_the_residents_and_the_doses_at_the_sites(
    client, day_with_non_residents, subdistrict, subdistrict_staff
):
    bulletin = bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=DAY)
    client.force_login(subdistrict_staff)
    response = client.get(reverse("reports:bulletin_xlsx", args=[bulletin.pk]))
    summary = dict(
        load_workbook(io.BytesIO(response.content))["通报"].iter_rows(min_row=2, values_only=True)
    )
    assert summary["第一剂接种居民数"] == 100
    assert summary["全程接种居民数"] == 20
    assert summary["辖区接种点累计第一剂"] == 150
    assert summary["累计接种剂次"] == 175
    assert summary["第一剂接种率（%）"] == 10.0


def test_a_bulletin_published_before_keeps_the_count_it_showed(
    client, day_with_non_residents, subdistrict, subdistrict_staff
):
    """A copy frozen before the residents were kept shows what was published, and the
    figure it lacks is no "restatement"."""
    bulletin = bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=DAY)
    old = dict(bulletin.figures, version=1)
    old["totals"] = {
        k: v for k, v in bulletin.figures["totals"].items() if not k.startswith("residents_")
    }
    Bulletin.objects.filter(pk=bulletin.pk).update(figures=old)
    client.force_login(subdistrict_staff)
    html = client.get(reverse("reports:bulletin", args=[bulletin.pk])).content.decode()
    assert "150 人" in html
    assert 'id="restated"' not in html
