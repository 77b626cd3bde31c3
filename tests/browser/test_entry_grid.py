"""A clerk on a phone fills the entry grid with the keyboard, saves, and sees errors
next to the cell they belong to."""

import pytest

from sites.models import DailyTally
from tests.browser.conftest import PHONE, grid_url, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def open_grid(page, live_server, site):
    page.goto(grid_url(live_server, site))
    page.wait_for_selector("#tally-grid")


def test_fill_the_grid_with_the_keyboard_save_and_reload(
    phone_page, live_server, subdistrict_staff, entry_site, committee
):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, entry_site)
    first = phone_page.locator("input.cell").first
    first.click()
    # Enter moves along the row, then to the next row; the booster column, not used at
    # this site lately, is hidden and skipped.
    for typed in ["12", "3", "0", "7"]:
        phone_page.keyboard.type(typed)
        phone_page.keyboard.press("Enter")
    assert phone_page.locator(".grand-total").inner_text() == "22"
    assert phone_page.locator("tbody tr").first.locator(".row-total").inner_text() == "15"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    phone_page.click("button[name=save]")
    phone_page.wait_for_selector("text=已保存")
    phone_page.reload()
    values = phone_page.locator("input.cell:visible").evaluate_all(
        "cells => cells.map(c => c.value)"
    )
    assert values[:4] == ["12", "3", "0", "7"]
    assert DailyTally.objects.filter(committee=committee).count() == 2
    assert DailyTally.objects.filter(dose_kind="booster").count() == 0


def test_a_negative_number_is_shown_next_to_its_cell(
    phone_page, live_server, subdistrict_staff, entry_site
):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, entry_site)
    phone_page.locator("input.cell").nth(1).fill("-5")
    phone_page.locator("input.cell").nth(3).fill("8")
    phone_page.click("button[name=save]")
    phone_page.wait_for_selector("text=未保存任何数据")
    bad_cell = phone_page.locator("td.invalid")
    assert bad_cell.count() == 1
    assert "不能为负数" in bad_cell.inner_text()
    assert bad_cell.locator("input.cell").input_value() == "-5"
    assert phone_page.locator("input.cell").nth(3).input_value() == "8"
    assert not DailyTally.objects.exists()
