"""The evening's figures with few taps and keys (issue 14, item 7): Enter walks only the
columns and committees in use, a column pasted from Excel fills the cells, "report 0"
asks before throwing typed numbers away, and axe finds no accessibility violation."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from sites.models import DailyTally
from tests.browser.conftest import PHONE, log_in
from tests.factories import CampaignFactory, CommitteeFactory, DailyTallyFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = datetime.date(2021, 6, 30)


@pytest.fixture
def evening_site(settings, subdistrict, committee):
    """A site with 34 committees, 22 of them with tallies in the last 14 days."""
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    committees = [committee] + [
        CommitteeFactory(subdistrict=subdistrict, code=f"310107-JL-{n:02d}", name=f"真北{n}居委")
        for n in range(1, 34)
    ]
    site = SiteFactory(
        subdistrict=subdistrict,
        name="家乐福临时接种点",
        kind="temporary",
        active_from=datetime.date(2021, 6, 1),
        daily_capacity=800,
    )
    committees.sort(key=lambda c: c.code)  # the grid's order
    busy = committees[::3] + committees[1::3][:10]  # 12 + 10: spread over the list
    for day in range(1, 15, 3):
        for n, c in enumerate(busy):
            on = TODAY - datetime.timedelta(days=day)
            DailyTallyFactory(site=site, committee=c, date=on, count=8 + n % 5)
            DailyTallyFactory(site=site, committee=c, date=on, dose_kind="second", count=4)
    return site, committees, busy


def open_grid(page, live_server, site):
    page.goto(f"{live_server.url}/tallies/{site.pk}/{TODAY.isoformat()}/")
    page.wait_for_selector("#tally-grid")


def shown_cells(page):
    return page.locator("input.cell:visible")


def test_the_evening_takes_few_taps_and_keys(
    phone_page, live_server, subdistrict_staff, evening_site
):
    site, committees, busy = evening_site
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, site)
    # The booster column and the 12 quiet committees are out of the way.
    assert phone_page.locator("summary").inner_text() == "其他居委（12）"
    assert phone_page.locator("input.cell[data-dose=booster]:visible").count() == 0
    shown = shown_cells(phone_page)
    assert shown.count() == (22 + 1) * 2  # the committees in use and the non-residents
    assert phone_page.get_attribute("input.cell >> nth=0", "enterkeyhint") == "next"
    assert phone_page.locator("p.grid-hint").inner_text().startswith("不清楚的格子留空")

    # The evening: 36 cells in the 22 rows (both doses in 14 rows, first doses in 8).
    rows_in_order = [c for c in committees if c in busy]
    wanted = {}
    for n, c in enumerate(rows_in_order):
        wanted[(c.pk, "first")] = str((n % 9) + 1) if n % 5 else "12"
        if n < 14:
            wanted[(c.pk, "second")] = str((n * 7) % 9 + 1)
    assert len(wanted) == 36
    names = shown.evaluate_all("cells => cells.map(c => c.name)")
    targets = [i for i, name in enumerate(names) if _key(name) in wanted]

    taps_and_keys = 0
    position = None
    for index in targets:
        if position is not None and index == position + 1:
            phone_page.keyboard.press("Enter")  # the next cell on screen
        else:
            shown.nth(index).click()  # further down: one tap
        taps_and_keys += 1
        typed = wanted[_key(names[index])]
        phone_page.keyboard.type(typed)
        taps_and_keys += len(typed)
        position = index
    phone_page.click("button[name=save]")
    taps_and_keys += 1
    phone_page.wait_for_selector(".save-status.saved, #save-answer .alert")
    assert phone_page.locator("#save-answer").inner_text() == ""

    digits = sum(len(v) for v in wanted.values())
    # One tap or Enter per cell, its digits, and Save: nothing spent on hidden columns.
    assert taps_and_keys == len(wanted) + digits + 1
    stored = {
        (t.committee_id, t.dose_kind): str(t.count)
        for t in DailyTally.objects.filter(site=site, date=TODAY)
    }
    assert stored == wanted


def _key(name):
    _count, row, dose = name.split("-")
    return (int(row) if row.isdigit() else None, dose)


def test_enter_skips_the_hidden_booster_column_until_it_is_shown(
    phone_page, live_server, subdistrict_staff, evening_site
):
    site, _committees, _busy = evening_site
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, site)
    shown_cells(phone_page).nth(1).click()  # the first row's second doses
    phone_page.keyboard.press("Enter")
    assert phone_page.evaluate("document.activeElement.dataset.dose") == "first"
    phone_page.click("label[for=show-booster]")
    shown_cells(phone_page).nth(1).click()
    phone_page.keyboard.press("Enter")
    assert phone_page.evaluate("document.activeElement.dataset.dose") == "booster"
    box = phone_page.locator("label[for=show-booster]").bounding_box()
    assert box["height"] >= 44
    assert box["width"] >= 44
    cell = shown_cells(phone_page).first.bounding_box()
    assert cell["height"] >= 44
    assert cell["width"] >= 44
    assert shown_cells(phone_page).first.evaluate("c => getComputedStyle(c).fontSize") == "16px"


def test_a_column_pasted_from_excel_fills_ten_rows_down(
    phone_page, live_server, subdistrict_staff, evening_site
):
    site, _committees, _busy = evening_site
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, site)
    column = "\r\n".join(str(n) for n in range(11, 21)) + "\r\n"  # as Excel copies it
    shown_cells(phone_page).nth(2).focus()  # the second row's first doses
    phone_page.evaluate(
        """text => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.activeElement.dispatchEvent(
                new ClipboardEvent(
                    "paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        column,
    )
    values = shown_cells(phone_page).evaluate_all("cells => cells.map(c => c.value)")
    firsts = values[0::2]
    assert firsts[:12] == ["", *[str(n) for n in range(11, 21)], ""]
    assert set(values[1::2]) == {""}  # the second doses' column is untouched
    assert phone_page.locator(".grand-total").inner_text() == str(sum(range(11, 21)))


def test_report_zero_asks_before_throwing_typed_numbers_away(
    phone_page, live_server, subdistrict_staff, evening_site
):
    site, _committees, _busy = evening_site
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    open_grid(phone_page, live_server, site)
    shown_cells(phone_page).nth(0).fill("3")
    shown_cells(phone_page).nth(1).fill("5")
    asked = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    phone_page.once("dialog", refuse)
    phone_page.click("button[name=report_zero]")
    assert asked
    assert "报 0" in asked[0]
    assert shown_cells(phone_page).nth(0).input_value() == "3"
    assert not DailyTally.objects.filter(date=TODAY).exists()

    phone_page.once("dialog", lambda dialog: dialog.accept())
    phone_page.click("button[name=report_zero]")
    phone_page.wait_for_load_state()
    phone_page.wait_for_selector("#tally-grid")
    assert list(DailyTally.objects.filter(date=TODAY).values_list("count", flat=True)) == [0]


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_axe_finds_no_violation_on_the_site_list_and_the_grid(
    browser, live_server, subdistrict_staff, evening_site, width
):
    site, _committees, _busy = evening_site
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", service_workers="block"
    )
    page = context.new_page()
    log_in(page, live_server, "clerk", "correct-horse-battery")
    axe = Axe()
    for path in ["/tallies/", f"/tallies/{site.pk}/{TODAY.isoformat()}/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state()
        violations = axe.run(page).response["violations"]
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    context.close()
