"""A clerk on a phone enters the week's plans: the day's total follows the typing, Enter
moves along, the page fits the phone, and the plan is on the capacity page afterwards,
where the utilisation is in sight at 375 px and the plan columns open on demand."""

import datetime

import pytest

from sites.models import SitePlan
from tests.browser.conftest import PHONE, log_in
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = datetime.date(2021, 6, 28)


@pytest.fixture
def sites(settings, subdistrict):
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    return [
        SiteFactory(subdistrict=subdistrict, code="WL-F-E", name="万里街道东片区固定接种点"),
        SiteFactory(
            subdistrict=subdistrict,
            code="WL-T-XZ",
            name="上海西站临时接种点",
            kind="temporary",
            active_from=datetime.date(2021, 6, 7),
            active_to=datetime.date(2021, 6, 30),
        ),
    ]


def test_enter_plans_on_a_phone(phone_page, live_server, subdistrict_staff, sites):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/plans/?start=2021-06-28")
    phone_page.wait_for_selector("#plan-grid")
    fixed, station = sites
    phone_page.click(f"input[name=plan-{fixed.pk}-20210628]")
    phone_page.keyboard.type("300")
    phone_page.keyboard.press("Enter")  # next cell: the same site's 06-29
    phone_page.keyboard.type("２８０")  # full-width digits, as a Chinese keyboard types them
    phone_page.fill(f"input[name=plan-{station.pk}-20210628]", "120")
    totals = phone_page.locator(".day-total").all_inner_texts()
    assert totals[:3] == ["420", "280", "–"]
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    phone_page.click("#plan-grid button[type=submit]")
    phone_page.wait_for_selector("text=计划已保存")
    saved = {(p.site_id, p.date): p.planned_doses for p in SitePlan.objects.all()}
    assert saved == {
        (fixed.pk, TODAY): 300,
        (fixed.pk, datetime.date(2021, 6, 29)): 280,
        (station.pk, TODAY): 120,
    }
    phone_page.goto(f"{live_server.url}/capacity/?date=2021-06-28")
    # Nothing reported on 06-28 yet: the plans wait as 未上报, not as 0 doses given.
    main = phone_page.inner_text("main")
    assert "未计入：2 个接种点·天未上报，计划 420" in main
    assert "实际 0" not in main

    # Each table's utilisation is in sight without a sideways swipe; the plan columns
    # are behind "更多列", as on the ranking.
    tables = phone_page.locator("table.capacity")
    assert tables.count() == 2  # by kind of site, by site
    for number in range(2):
        table = tables.nth(number)
        header = table.locator("thead th", has_text="利用率")
        box = header.bounding_box()
        assert box is not None, number
        assert box["x"] + box["width"] <= PHONE["width"], number
        # Nor does the table scroll inside its card (an "未上报" widens the doses).
        assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
        plan = table.locator("thead th", has_text="计划")
        assert not plan.is_visible(), number
        table.locator("xpath=ancestor::section").get_by_text("更多列").click()
        assert plan.is_visible(), number
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
