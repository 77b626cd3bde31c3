"""On a phone: correcting an earlier day puts the reason box, its message and the cursor
above the grid; a day that cannot be entered opens read-only with its reason."""

import datetime

import pytest

from sites.models import DailyTally
from tests.browser.conftest import PHONE, log_in
from tests.factories import CampaignFactory, CommitteeFactory, DailyTallyFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = datetime.date(2021, 6, 30)
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture
def site(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    for number in range(2, 30):  # a subdistrict's many rows: the grid is long
        CommitteeFactory(subdistrict=subdistrict, code=f"310107-WL-{number:02d}")
    return SiteFactory(
        subdistrict=subdistrict,
        code="WL-T-XZ",
        name="上海西站临时接种点",
        kind="temporary",
        active_from=datetime.date(2021, 6, 7),
        active_to=TODAY,
        daily_capacity=500,
    )


def open_grid(page, live_server, site, day):
    page.goto(f"{live_server.url}/tallies/{site.pk}/{day.isoformat()}/")
    page.wait_for_selector("#tally-grid")


def test_a_correction_without_reason_shows_the_box_above_the_grid_with_the_cursor(
    phone_page, live_server, subdistrict_staff, site, committee
):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=12)
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, site, YESTERDAY)
    phone_page.locator("input.cell").first.fill("15")
    phone_page.click("button[name=save]")
    phone_page.wait_for_selector("#reason-box .field-error")
    box = phone_page.locator("#reason-box")
    assert "修改以往日期的数据需要填写原因" in box.inner_text()
    assert phone_page.evaluate("document.activeElement.name") == "reason"
    top = box.bounding_box()["y"]
    assert 0 <= top < PHONE["height"]  # on the first screen, not under 30 rows
    assert top < phone_page.locator("table.grid").bounding_box()["y"]
    assert phone_page.locator("input.cell").first.input_value() == "15"
    phone_page.fill("#id_reason", "台账核对")
    phone_page.click("button[name=save]")
    phone_page.wait_for_selector("text=已保存")
    assert DailyTally.objects.get().count == 15


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (TODAY + datetime.timedelta(days=1), "是未来的日期"),
        (datetime.date(2021, 6, 6), "当天未开放"),
    ],
    ids=["future", "site closed"],
)
def test_a_day_that_cannot_be_entered_is_read_only_with_its_reason(
    phone_page, live_server, subdistrict_staff, site, day, reason
):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, site, day)
    notice = phone_page.locator("#read-only-day")
    assert notice.is_visible()
    assert reason in notice.inner_text()
    assert notice.bounding_box()["y"] < PHONE["height"]
    assert phone_page.locator("input.cell").count() > 0
    assert phone_page.locator("input.cell:not([disabled])").count() == 0
    assert phone_page.locator("button[name=save]").count() == 0
    assert phone_page.locator("button[name=report_zero]").count() == 0
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_site_list_keeps_each_kind_tag_whole_on_a_day_a_site_is_not_open(
    phone_page, live_server, subdistrict_staff, site
):
    """At 375 px a long name, its code and its kind fill the line: the kind's tag moves to
    the next line whole instead of breaking inside its box (固定接种 | 点)."""
    SiteFactory(
        subdistrict=site.subdistrict,
        code="WL-F-E",
        name="万里街道东片区固定接种点",
        kind="fixed",
        active_from=datetime.date(2021, 1, 8),
    )
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/tallies/?date=2021-06-06")
    listed = phone_page.locator("main").inner_text()
    assert "万里街道东片区固定接种点" in listed
    assert "当日未开放" in listed  # 上海西站 opens on 06-07
    tags = phone_page.locator("main .tag")
    assert tags.count() == 2
    for number in range(2):
        lines = tags.nth(number).evaluate("tag => tag.getClientRects().length")
        assert lines == 1, tags.nth(number).inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
