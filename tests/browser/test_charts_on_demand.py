"""On a phone, a chart page's first screen is the table: ECharts is not even fetched
until the chart comes near the viewport, and the chart is drawn once it does (issue 15,
Lighthouse's blocking time on the chart pages)."""

import datetime

import pytest

from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.date(2021, 4, 29)


@pytest.fixture
def long_ranking(settings, subdistrict, committee):
    """Thirty committees: the table fills more than two phone screens above the chart."""
    settings.STREETVAX_DEMO_DATE = DAY
    CampaignFactory()
    site = SiteFactory(subdistrict=subdistrict)
    committees = [committee] + [
        CommitteeFactory(subdistrict=subdistrict, code=f"WL-{n:02d}", name=f"万里{n:02d}居民区")
        for n in range(2, 31)
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=DAY, site=site, committee=c, dose_kind="first", count=1900 - 50 * n)
        for n, c in enumerate(committees)
    )
    snapshots_rebuild(start=DAY)


def test_echarts_is_fetched_only_when_the_chart_comes_near(
    phone_page, live_server, subdistrict_staff, long_ranking
):
    fetched = []
    phone_page.on("request", lambda request: fetched.append(request.url))
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/ranking/")
    phone_page.wait_for_load_state("networkidle")

    assert phone_page.locator("table.ranking tbody tr").count() == 30
    assert not [url for url in fetched if "echarts" in url]
    assert phone_page.locator("script[src*=echarts]").count() == 0
    assert phone_page.evaluate("typeof window.echarts") == "undefined"
    assert phone_page.locator("#ranking-chart svg").count() == 0

    phone_page.locator("#ranking-chart").scroll_into_view_if_needed()
    phone_page.wait_for_selector("#ranking-chart[data-drawn=true] svg")
    assert len([url for url in fetched if "echarts" in url]) == 1
    assert "万里30居民区" in phone_page.locator("#ranking-chart").inner_text()


def test_the_committee_page_shows_its_table_before_its_chart(
    phone_page, live_server, subdistrict_staff, committee, long_ranking
):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/committees/{committee.pk}/")
    assert "{#" not in phone_page.locator("body").inner_text()  # no template text shows
    table = phone_page.locator("table").first.bounding_box()
    chart = phone_page.locator("#committee-chart")
    assert table["y"] + table["height"] <= chart.bounding_box()["y"]
    chart.scroll_into_view_if_needed()
    phone_page.wait_for_selector("#committee-chart[data-drawn=true] svg")
