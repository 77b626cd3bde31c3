"""The evening entry on a weak network (issue 14, items 1-4): a dropped save keeps every
typed value and the retry saves once; offline, the save waits on the device and goes when
the network is back; a reload restores the draft; the grids open offline after a visit;
logging out leaves nothing on the device; a cell saved by someone else meanwhile shows
both values."""

import datetime
import re

import pytest

from campaign.models import StaffScope
from sites.models import DailyTally
from sites.services.tallies import TallyCell, record_tallies
from tests.browser.conftest import TODAY, grid_url, log_in, log_out
from tests.factories import (
    StaffScopeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
TYPED = ["12", "3", "0", "7"]  # the first row's first and second doses, the second row's


def type_the_evening(page):
    cells = page.locator("input.cell:visible")
    cells.first.click()
    for typed in TYPED:
        page.keyboard.type(typed)
        page.keyboard.press("Enter")


def typed_values(page):
    return page.locator("input.cell:visible").evaluate_all("cells => cells.map(c => c.value)")[:4]


def our_storage(page):
    return page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('streetvax:'))")


def history_rows_per_cell(site):
    rows = DailyTally.history.filter(site_id=site.pk, date=TODAY)
    cells = {}
    for row in rows:
        key = (row.committee_id, row.dose_kind)
        cells[key] = cells.get(key, 0) + 1
    return cells


def test_a_dropped_save_keeps_every_value_and_the_retry_saves_once(
    phone_page, live_server, subdistrict_staff, entry_site
):
    page = phone_page
    log_in(page, live_server, "clerk", "correct-horse-battery")
    page.goto(grid_url(live_server, entry_site))
    type_the_evening(page)
    attempts = []

    def drop(route):
        if route.request.method != "POST":
            return route.continue_()
        attempts.append(route.request.post_data)
        if len(attempts) == 1:
            return route.abort()  # the network drops before the server sees it
        if len(attempts) == 2:
            route.fetch()  # the server saves, and the answer is lost on the way back
            return route.abort()
        return route.continue_()

    page.route(grid_url(live_server, entry_site), drop)
    page.click("button[name=save]")
    retry = page.locator("#save-retry")
    retry.wait_for()
    assert retry.inner_text() == "保存失败，重试"
    assert typed_values(page) == TYPED
    assert not DailyTally.objects.exists()

    retry.click()  # the answer is lost this time: the save is on the server already
    retry.wait_for()
    assert typed_values(page) == TYPED
    assert DailyTally.objects.count() == 4

    page.locator("#save-retry").click()  # the same typed state: the same key
    page.locator(".save-status.saved").wait_for()
    assert "已保存" in page.locator("#save-status").inner_text()
    keys = {re.search(r'name="save_key"\r\n\r\n([0-9a-f-]{36})', body)[1] for body in attempts}
    assert len(attempts) == 3
    assert len(keys) == 1
    assert history_rows_per_cell(entry_site) == {
        (key[0], key[1]): 1
        for key in DailyTally.objects.filter(date=TODAY).values_list("committee_id", "dose_kind")
    }
    assert sorted(DailyTally.objects.values_list("count", flat=True)) == [0, 3, 7, 12]
    assert our_storage(page) == []  # acknowledged: no draft left


def test_offline_the_save_waits_on_the_device_and_goes_when_the_network_is_back(
    phone_page, live_server, subdistrict_staff, entry_site
):
    page = phone_page
    log_in(page, live_server, "clerk", "correct-horse-battery")
    page.goto(f"{live_server.url}/board/")
    assert "家乐福临时接种点" in page.locator("main").inner_text()
    page.goto(grid_url(live_server, entry_site))
    type_the_evening(page)

    page.context.set_offline(True)
    page.click("button[name=save]")
    status = page.locator("#save-status")
    assert status.inner_text() == "离线：已保存在本机，联网后自动提交"
    assert any(key.startswith("streetvax:queue:") for key in our_storage(page))
    assert not DailyTally.objects.exists()

    page.context.set_offline(False)
    page.locator(".save-status.saved").wait_for()
    assert page.locator("#day-status").inner_text() == "已上报，共 22 剂次"
    assert page.locator("#report-zero").is_hidden()
    assert sorted(DailyTally.objects.values_list("count", flat=True)) == [0, 3, 7, 12]
    assert set(history_rows_per_cell(entry_site).values()) == {1}
    assert our_storage(page) == []
    page.goto(f"{live_server.url}/board/")
    assert "家乐福临时接种点" not in page.locator("main").inner_text()


def test_a_reload_restores_the_draft_and_logging_out_clears_the_device(
    worker_phone_page, live_server, subdistrict_staff, entry_site
):
    page = worker_phone_page
    log_in(page, live_server, "clerk", "correct-horse-battery")
    # A first visit of the site list keeps it and the week's grids for offline use.
    page.goto(f"{live_server.url}/tallies/")
    page.wait_for_selector("body[data-offline-ready]")
    page.goto(grid_url(live_server, entry_site))
    type_the_evening(page)
    page.reload()
    page.wait_for_selector("#draft-banner:not([hidden])")
    assert page.locator("#draft-banner .draft-count").inner_text() == "未保存的草稿（4 格）"
    assert typed_values(page) == TYPED

    # Offline, the site list and yesterday's grid open from the device.
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/tallies/")
    assert "家乐福临时接种点" in page.locator("main").inner_text()
    page.goto(grid_url(live_server, entry_site, TODAY - datetime.timedelta(days=1)))
    assert page.locator("h1").inner_text().startswith("家乐福临时接种点")
    page.context.set_offline(False)

    page.goto(grid_url(live_server, entry_site))
    log_out(page)
    page.wait_for_url("**/accounts/login/")
    assert our_storage(page) == []
    cached = "async () => (await caches.keys()).filter(name => name.startsWith('streetvax-pages'))"
    assert page.evaluate(cached) == []
    log_in(page, live_server, "clerk", "correct-horse-battery")
    page.goto(grid_url(live_server, entry_site))
    assert page.locator("#draft-banner").is_hidden()
    assert typed_values(page) == ["", "", "", ""]
    assert not DailyTally.objects.exists()


def test_logging_out_deletes_a_save_still_waiting_on_the_device_after_asking(
    phone_page, live_server, subdistrict_staff, entry_site
):
    page = phone_page
    log_in(page, live_server, "clerk", "correct-horse-battery")
    page.goto(grid_url(live_server, entry_site))
    type_the_evening(page)
    page.context.set_offline(True)
    page.click("button[name=save]")
    assert any(key.startswith("streetvax:queue:") for key in our_storage(page))
    page.route(grid_url(live_server, entry_site), lambda route: route.abort())  # still no answer
    page.context.set_offline(False)
    page.locator("#save-retry").wait_for()
    assert any(key.startswith("streetvax:queue:") for key in our_storage(page))

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    log_out(page)
    assert "退出" in asked[0]
    assert any(key.startswith("streetvax:queue:") for key in our_storage(page))  # stayed
    page.once("dialog", lambda dialog: dialog.accept())
    log_out(page)
    page.wait_for_url("**/accounts/login/")
    assert our_storage(page) == []
    assert not DailyTally.objects.exists()


def test_a_cell_saved_by_someone_else_while_offline_shows_both_values(
    phone_page, live_server, subdistrict_staff, entry_site, committee, subdistrict
):
    colleague = UserFactory(username="lina", first_name="李娜")
    StaffScopeFactory(
        user=colleague, role=StaffScope.Role.SUBDISTRICT_STAFF, subdistrict=subdistrict
    )
    page = phone_page
    log_in(page, live_server, "clerk", "correct-horse-battery")
    page.goto(grid_url(live_server, entry_site))
    page.context.set_offline(True)
    type_the_evening(page)
    page.click("button[name=save]")
    assert page.locator("#save-status").inner_text() == "离线：已保存在本机，联网后自动提交"

    record_tallies(
        user=colleague,
        cells=[
            TallyCell(
                date=TODAY,
                site_id=entry_site.pk,
                committee_id=committee.pk,
                dose_kind="first",
                count=9,
            )
        ],
    )
    page.context.set_offline(False)
    box = page.locator("#save-answer .alert.warning")
    box.wait_for()
    text = box.inner_text()
    assert "李娜" in text
    assert "9" in text
    assert "12" in text
    assert page.locator("td.conflict input.cell").input_value() == "12"
    assert list(DailyTally.objects.values_list("count", flat=True)) == [9]

    page.click("button[name=save]")  # seen both: saving again keeps what is typed
    page.locator(".save-status.saved").wait_for()
    first = DailyTally.objects.get(committee=committee, dose_kind="first")
    assert first.count == 12
    assert first.entered_by == subdistrict_staff


def test_a_save_left_on_the_device_is_sent_when_the_site_list_opens(
    phone_page, live_server, subdistrict_staff, entry_site
):
    page = phone_page
    log_in(page, live_server, "clerk", "correct-horse-battery")
    page.goto(grid_url(live_server, entry_site))
    type_the_evening(page)
    page.context.set_offline(True)
    page.click("button[name=save]")
    page.route(grid_url(live_server, entry_site), lambda route: route.abort())
    page.context.set_offline(False)  # the grid tries at once, and gets no answer
    page.locator("#save-retry").wait_for()
    page.unroute(grid_url(live_server, entry_site))
    assert not DailyTally.objects.exists()

    page.goto(f"{live_server.url}/tallies/")  # the next morning, say
    page.locator(".status.ok").wait_for()  # sent, and the list drawn again
    assert "已上报：22 剂次" in page.locator("main").inner_text()
    assert sorted(DailyTally.objects.values_list("count", flat=True)) == [0, 3, 7, 12]
    assert our_storage(page) == []
