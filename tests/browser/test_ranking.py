"""A district leader opens the ranking on a phone, sorts by full-course coverage and sees
the chart drawn. The screenshot is kept in test-results/ for people to look at."""

import datetime
from pathlib import Path

import pytest

from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.browser.conftest import PHONE, log_in
from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.date(2021, 4, 29)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def ranked(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = DAY
    CampaignFactory()
    zhonghao = CommitteeFactory(subdistrict=subdistrict, code="WL-02", name="中浩云居民区")
    site = SiteFactory(subdistrict=subdistrict)
    DailyTally.objects.bulk_create(
        DailyTally(date=DAY, site=site, committee=c, dose_kind=k, count=n, source="import")
        for c, k, n in [
            (committee, "first", 900),
            (zhonghao, "first", 400),
            (zhonghao, "second", 300),
        ]
    )
    snapshots_rebuild(start=DAY)


def test_leader_sorts_the_ranking_and_sees_the_chart(
    phone_page, live_server, district_leader, ranked
):
    log_in(phone_page, live_server, "leader", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/ranking/")
    phone_page.locator("#ranking-chart").scroll_into_view_if_needed()  # drawn when near
    phone_page.wait_for_selector("#ranking-chart[data-drawn=true] svg")
    first_row = phone_page.locator("table.ranking tbody tr").first
    assert "万里雅筑居民区" in first_row.inner_text()

    phone_page.select_option("select[name=sort]", "full_course_coverage")
    phone_page.click("#ranking-filters button[type=submit]")
    phone_page.locator("#ranking-chart").scroll_into_view_if_needed()  # drawn when near
    phone_page.wait_for_selector("#ranking-chart[data-drawn=true] svg")
    assert "中浩云居民区" in phone_page.locator("table.ranking tbody tr").first.inner_text()
    assert phone_page.locator("#ranking-chart svg rect, #ranking-chart svg path").count() > 2
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    RESULTS.mkdir(exist_ok=True)
    phone_page.screenshot(path=RESULTS / "ranking-phone.png", full_page=True)
