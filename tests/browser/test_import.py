"""An administrator imports a GBK file from a district system through the check
(preview) and confirm pages."""

import datetime

import pytest

from sites.models import DailyTally, Site
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, CommitteeFactory, DailyTallyFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def district_file(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = datetime.date(2021, 6, 30)
    CampaignFactory()
    CommitteeFactory(subdistrict=subdistrict, code="310107-WL-02", name="中浩云居民区")
    SiteFactory(
        subdistrict=subdistrict,
        code="WL-T-XZ",
        name="上海西站临时接种点",
        active_from=datetime.date(2021, 6, 7),
    )
    text = (
        "接种日期,接种点编码,居委编码,剂次,接种数\r\n"
        "2021-06-29,WL-T-XZ,310107-WL-01,第一剂,12\r\n"
        "2021-06-29,WL-T-XZ,310107-WL-02,第二剂,7\r\n"
        "2021-06-29,WL-T-XZ,,第一剂,30\r\n"
    )
    return text.encode("gbk")


def test_admin_imports_a_gbk_file_through_preview_and_confirm(
    phone_page, live_server, administrator, district_file
):
    administrator.set_password("correct-horse-battery")
    administrator.save()
    log_in(phone_page, live_server, "admin", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/imports/")
    phone_page.set_input_files(
        "input[type=file]",
        files=[{"name": "二七区导出.csv", "mimeType": "text/csv", "buffer": district_file}],
    )
    phone_page.click("button.primary")
    phone_page.wait_for_selector("text=已检查，等待确认")
    assert "gb18030" in phone_page.inner_text("#import-status")
    assert not DailyTally.objects.exists()

    phone_page.click("text=确认导入")
    phone_page.wait_for_selector("#import-status >> text=已导入")
    assert sorted(DailyTally.objects.values_list("count", flat=True)) == [7, 12, 30]
    assert set(DailyTally.objects.values_list("source", flat=True)) == {"import"}


def test_the_import_detail_shows_names_and_old_to_new_on_a_phone_without_sideways_scroll(
    phone_page, live_server, administrator, district_file, committee
):
    site = Site.objects.get(code="WL-T-XZ")
    DailyTallyFactory(site=site, committee=committee, date=datetime.date(2021, 6, 29), count=2)
    administrator.set_password("correct-horse-battery")
    administrator.save()
    log_in(phone_page, live_server, "admin", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/imports/")
    phone_page.set_input_files(
        "input[type=file]",
        files=[{"name": "二七区导出.csv", "mimeType": "text/csv", "buffer": district_file}],
    )
    phone_page.click("button.primary")
    phone_page.wait_for_selector("text=已检查，等待确认")

    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    changed = phone_page.locator("table.import-rows").first
    row = changed.locator("tbody tr").first
    assert "上海西站临时接种点" in row.inner_text()
    assert "WL-T-XZ" in row.inner_text()
    assert "万里雅筑居民区" in row.inner_text()
    assert "310107-WL-01" in row.inner_text()
    old_to_new = row.locator("td").last
    assert old_to_new.inner_text().replace(" ", "") == "2→12"
    box = old_to_new.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 375
    # The figures' heading reads on one line, not a character a line.
    tables = phone_page.locator("table.import-rows")
    assert tables.count() >= 1
    for table in range(tables.count()):
        heading = tables.nth(table).locator("thead th").last
        lines = heading.evaluate(
            "th => { const range = document.createRange(); range.selectNodeContents(th);"
            " return new Set([...range.getClientRects()].map(box => Math.round(box.top))).size; }"
        )
        assert lines == 1, heading.inner_text()
