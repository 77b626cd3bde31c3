"""A district leader at 375 px: the ranked figure of every row is in sight without a
sideways swipe, the table comes before the chart, the other columns open on demand, and
the targets at risk come first. Screenshots are kept in test-results/."""

import datetime
import itertools
from pathlib import Path

import pytest

from campaign.models import Target
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.browser.conftest import PHONE, log_in
from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory, TargetFactory

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.date(2021, 4, 29)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def district_day(settings, subdistrict, committee):
    """Six committees with long names and falling coverage; a target ending today that
    will be missed, one on track and one reached."""
    settings.STREETVAX_DEMO_DATE = DAY
    campaign = CampaignFactory(start_date=datetime.date(2021, 4, 1))
    site = SiteFactory(subdistrict=subdistrict)
    committees = [committee] + [
        CommitteeFactory(subdistrict=subdistrict, code=f"WL-{n}", name=f"宝华城市花园第{n}居民区")
        for n in range(2, 7)
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=DAY, site=site, committee=c, dose_kind=kind, count=count, source="import")
        for n, c in enumerate(committees)
        for kind, count in (("first", 2000 - 150 * n), ("second", 900 - 100 * n))
    )
    for name, value, end in [
        ("四月目标", 1000, datetime.date(2021, 4, 30)),
        ("五月目标", 3000, datetime.date(2021, 5, 31)),
        ("月底冲刺", 3500, DAY),
    ]:
        TargetFactory(
            campaign=campaign,
            subdistrict=None,
            committee=committee,
            name=name,
            value=value,
            period_start=datetime.date(2021, 4, 1),
            period_end=end,
            metric=Target.Metric.ALL_DOSES,
        )
    snapshots_rebuild(start=DAY)


def test_the_ranked_figure_is_in_sight_and_the_table_is_above_the_chart(
    phone_page, live_server, district_leader, district_day
):
    log_in(phone_page, live_server, "leader", "correct-horse-battery")
    for sort in ("first_coverage", "full_course_coverage", "doses_today", "target_percent"):
        phone_page.goto(f"{live_server.url}/ranking/?sort={sort}")
        rows = phone_page.locator("table.ranking tbody tr")
        assert rows.count() == 6
        for number in range(3):
            for cell in ("td.rank", "td.name", "td.figure"):
                box = rows.nth(number).locator(cell).bounding_box()
                assert box is not None, (sort, number, cell)
                assert box["width"] > 0, (sort, number, cell)
                assert box["x"] >= 0, (sort, number, cell)
                # The right edge inside the 375-px viewport: no sideways swipe.
                assert box["x"] + box["width"] <= PHONE["width"], (sort, number, cell)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        table = phone_page.locator("table.ranking").bounding_box()
        chart = phone_page.locator("#ranking-chart").bounding_box()
        assert table["y"] + table["height"] <= chart["y"]
    RESULTS.mkdir(exist_ok=True)
    phone_page.goto(f"{live_server.url}/ranking/")
    phone_page.locator("#ranking-chart").scroll_into_view_if_needed()  # drawn when near
    phone_page.wait_for_selector("#ranking-chart[data-drawn=true]")
    assert phone_page.locator("#ranking-chart-caption").inner_text() == (
        "全部 6 个居委，按第一剂接种率排名"
    )
    # The value axis under the long names has little room: its labels (0%, 20%, ...)
    # never run into each other.
    labels = phone_page.evaluate(
        """[...document.querySelectorAll('#ranking-chart svg text')]
            .filter(text => /^\\d+%$/.test(text.textContent.trim()))
            .map(text => { const box = text.getBoundingClientRect();
                           return [text.textContent.trim(), box.left, box.right]; })
            .sort((a, b) => a[1] - b[1])"""
    )
    assert len(labels) >= 2, labels
    for (left_text, _, right_edge), (right_text, left_edge, _) in itertools.pairwise(labels):
        assert right_edge <= left_edge, (left_text, right_text)
    phone_page.screenshot(path=RESULTS / "ranking-on-a-phone.png", full_page=True)

    # The other columns are there on demand.
    more = phone_page.locator("table.ranking tbody tr").first.locator("td.more").first
    assert not more.is_visible()
    phone_page.get_by_text("更多列").click()
    assert more.is_visible()


def test_at_risk_targets_come_first(phone_page, live_server, subdistrict_staff, district_day):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/targets/")
    items = phone_page.locator("ul.targets > li")
    assert items.count() == 3
    states = [items.nth(n).locator(".target-title .urgency").inner_text() for n in range(3)]
    assert states == ["有风险", "进度正常", "已完成"]
    assert "今天截止，还差" in items.first.inner_text()
    assert "月底冲刺" in items.first.inner_text()
    first = items.first.bounding_box()
    assert first["x"] + first["width"] <= PHONE["width"]
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    RESULTS.mkdir(exist_ok=True)
    phone_page.screenshot(path=RESULTS / "targets-on-a-phone.png", full_page=True)
