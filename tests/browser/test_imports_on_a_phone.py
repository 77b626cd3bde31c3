"""A clerk at 375 px reads every earlier import, its file, state, time, account and
counts, without a sideways swipe; the rest is on the import's own page. A screenshot is
kept in test-results/."""

import datetime
from pathlib import Path

import pytest

from sites.models import TallyImport
from tests.browser.conftest import PHONE, in_sight_on_a_phone, log_in

pytestmark = pytest.mark.django_db(transaction=True)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def earlier_imports(settings, subdistrict, subdistrict_staff):
    """Three imports by the clerk: long file names without a space to break at, and
    five-digit counts (a whole district's day)."""
    settings.STREETVAX_DEMO_DATE = datetime.date(2021, 6, 30)
    subdistrict_staff.first_name = "王晓明"
    subdistrict_staff.save()
    names = [
        "普陀区万里街道2021年6月29日各接种点接种数汇总导出_最终版.csv",
        "wanli_subdistrict_daily_tallies_2021-06-29_export_from_district_system.xlsx",
        "二七区导出.csv",
    ]
    states = [
        TallyImport.Status.IMPORTED,
        TallyImport.Status.CHECKED,
        TallyImport.Status.REFUSED,
    ]
    for number, (name, state) in enumerate(zip(names, states, strict=True)):
        TallyImport.objects.create(
            user=subdistrict_staff,
            subdistrict=subdistrict,
            file_name=name,
            sha256=f"{number:064d}",
            size=123_456,
            status=state,
            rows_total=43_210,
            rows_new=12_345,
            rows_updated=23_456,
            rows_unchanged=7_409,
            rows_rejected=0 if state != TallyImport.Status.REFUSED else 999,
        )


def test_every_earlier_import_reads_without_a_sideways_swipe(
    phone_page, live_server, subdistrict_staff, earlier_imports
):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/imports/")
    items = phone_page.locator("#earlier-imports ul.imports > li")
    assert items.count() == 3
    for number in range(3):
        item = items.nth(number)
        for part in (".import-file a", ".import-state", ".import-counts"):
            in_sight_on_a_phone(item.locator(part), (number, part))
    # Newest first: the refused file, its rejected rows in the error colour.
    first = items.first
    assert first.locator(".import-file").inner_text() == "二七区导出.csv"
    assert "已拒绝" in first.locator(".import-state").inner_text()
    assert "王晓明" in first.locator(".import-state").inner_text()
    counts = first.locator(".import-counts").inner_text()
    for figure in ("新增 12345", "修改 23456", "未变 7409", "出错 999"):
        assert figure in counts
    in_sight_on_a_phone(first.locator(".import-counts .error"), "rejected")
    # Neither the page nor anything in the list scrolls sideways.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone_page.evaluate(
        "[...document.querySelectorAll('#earlier-imports, #earlier-imports *')]"
        ".every(node => node.scrollWidth <= node.clientWidth || node.clientWidth === 0)"
    )
    RESULTS.mkdir(exist_ok=True)
    phone_page.screenshot(path=RESULTS / "imports-on-a-phone.png", full_page=True)

    # The rest of an import is on its own page.
    items.nth(2).locator(".import-file a").click()
    phone_page.wait_for_selector("#import-status")
    assert phone_page.locator("h1").inner_text().endswith("最终版.csv")
    details = phone_page.locator("#import-status").inner_text()
    assert "120.6" in details  # its size (123,456 bytes), not on the list
    assert "43210" in details  # its rows
