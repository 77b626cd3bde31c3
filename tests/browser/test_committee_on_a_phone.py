"""A leader opening a committee at 375 px: each of the last 14 days shows its day, first
and second doses and first-dose coverage without a sideways swipe; the booster and the
rank open with "更多列", as on the ranking. A screenshot is kept in test-results/."""

import datetime
from pathlib import Path

import pytest

from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.browser.conftest import PHONE, in_sight_on_a_phone, log_in
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.date(2021, 4, 29)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def busy_fortnight(settings, subdistrict, committee):
    """Twenty busy days of four-digit doses each (the widest a committee's day gets), so
    the coverage reaches 97.8% and every cell is as wide as it will be."""
    settings.STREETVAX_DEMO_DATE = DAY
    CampaignFactory(start_date=datetime.date(2021, 4, 1))
    committee.eligible_population = 99_999
    committee.save()
    site = SiteFactory(subdistrict=subdistrict)
    DailyTally.objects.bulk_create(
        DailyTally(
            date=DAY - datetime.timedelta(days=n),
            site=site,
            committee=committee,
            dose_kind=kind,
            count=count,
            source="import",
        )
        for n in range(20)
        for kind, count in (("first", 4888), ("second", 3777), ("booster", 2666))
    )
    snapshots_rebuild(start=DAY - datetime.timedelta(days=19))


def test_every_days_figures_are_in_sight_without_a_sideways_swipe(
    phone_page, live_server, district_leader, committee, busy_fortnight
):
    log_in(phone_page, live_server, "leader", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/committees/{committee.pk}/")
    rows = phone_page.locator("table.committee-days tbody tr")
    assert rows.count() == 14
    for number in range(14):
        row = rows.nth(number)
        for cell in ("td.day", "td.first", "td.second", "td.coverage"):
            in_sight_on_a_phone(row.locator(cell), (number, cell))
    assert rows.first.locator("td.day").inner_text() == "04-29"
    assert rows.first.locator("td.first").inner_text() == "4888"
    assert rows.first.locator("td.second").inner_text() == "3777"
    assert rows.first.locator("td.coverage").inner_text() == "97.8%"
    headers = phone_page.locator("table.committee-days thead th:visible")
    assert headers.all_inner_texts() == ["日期", "第一剂", "第二剂", "第一剂接种率"]
    # Neither the page nor the table's box scrolls sideways.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone_page.evaluate(
        "(() => { const box = document.querySelector('#committee-days .table-wrap');"
        " return box.scrollWidth <= box.clientWidth; })()"
    )
    RESULTS.mkdir(exist_ok=True)
    phone_page.screenshot(path=RESULTS / "committee-on-a-phone.png", full_page=True)

    # The booster and the rank are there on demand.
    booster = rows.first.locator("td.booster")
    assert not booster.is_visible()
    phone_page.get_by_text("更多列").click()
    assert booster.inner_text() == "2666"
    assert rows.first.locator("td.rank").is_visible()
