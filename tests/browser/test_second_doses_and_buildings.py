"""On a phone: committee staff see their second-dose bar charts drawn, then register a
building, record a count and see it become a golden shield building. Screenshots are
kept in test-results/ for people to look at."""

import datetime
from pathlib import Path

import pytest

from campaign.models import Building, BuildingCount
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.browser.conftest import PHONE, log_in
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = datetime.date(2021, 6, 30)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def first_doses(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory(start_date=datetime.date(2021, 6, 1))
    site = SiteFactory(subdistrict=subdistrict, active_from=datetime.date(2021, 6, 1))
    DailyTally.objects.bulk_create(
        DailyTally(date=day, site=site, committee=committee, dose_kind="first", count=n)
        for day, n in [(datetime.date(2021, 6, 10), 40), (datetime.date(2021, 6, 16), 5)]
    )
    snapshots_rebuild(start=datetime.date(2021, 6, 1))


def test_committee_staff_on_a_phone(
    phone_page, live_server, committee_staff, committee, first_doses
):
    log_in(phone_page, live_server, "committee", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/second-doses/committees/{committee.pk}/")
    for chart in ("#second-dose-days-chart", "#second-dose-weeks-chart"):
        phone_page.locator(chart).scroll_into_view_if_needed()  # drawn when near
        phone_page.wait_for_selector(f"{chart}[data-drawn=true] svg")
    assert "40" in phone_page.locator("table").first.inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    RESULTS.mkdir(exist_ok=True)
    phone_page.screenshot(path=RESULTS / "second-doses-phone.png", full_page=True)

    phone_page.goto(f"{live_server.url}/buildings/committees/{committee.pk}/")
    phone_page.fill("#id_name", "3号楼")
    phone_page.fill("#id_residents", "125")
    phone_page.click("button[type=submit].primary")
    phone_page.wait_for_selector("text=已登记 3号楼。")
    phone_page.fill("#id_vaccinated", "97")
    phone_page.click("form:has(input[value=count]) button[type=submit]")
    phone_page.wait_for_selector("text=已记录 2021-06-30 已接种 97 人。")
    assert "金盾楼" in phone_page.locator("h1").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_page.screenshot(path=RESULTS / "golden-shield-phone.png", full_page=True)
    building = Building.objects.get()
    assert BuildingCount.objects.get(building=building).vaccinated == 97


def test_the_due_columns_of_the_overview_are_in_view_on_a_phone(
    phone_page, live_server, subdistrict_staff, first_doses
):
    """Nobody is overdue yet (the first doses are 20 and 14 days old): the list is sorted
    by 未来 7 天, the first column that is not all zero, and that column is whole on the
    screen; the cumulative columns may scroll in from the side."""
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/second-doses/")
    assert phone_page.locator("select[name=sort]").input_value() == "due_next_7_days"
    header = phone_page.locator("table.second-doses th").nth(3)
    assert "未来 7 天" in header.inner_text()
    box, wrap = header.bounding_box(), phone_page.locator(".table-wrap").bounding_box()
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"]  # not cut by the card's edge
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
