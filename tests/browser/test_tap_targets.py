"""Small things a thumb has to hit at 375 px: the import page's file picker and the
milestones' "添加备注" are 44 px high, and the ⚠ beside an unverified figure is at least
24 × 24 px (WCAG 2.2 target size, minimum)."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import CampaignFactory
from tests.reports.test_quality import LAST, scene  # noqa: F401 (scene: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def height(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["height"]


def test_the_file_picker_and_add_a_note_are_44_px_high(
    settings, phone_page, live_server, subdistrict_staff
):
    settings.STREETVAX_DEMO_DATE = LAST
    CampaignFactory()
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/imports/")
    assert height(phone_page, "input[type=file]") >= 44
    phone_page.goto(f"{live_server.url}/milestones/")
    assert phone_page.locator(".note-form summary").inner_text() == "添加备注"
    assert height(phone_page, ".note-form summary") >= 44


def test_the_mark_of_an_unverified_figure_is_big_enough_to_tap(
    phone_page,
    live_server,
    subdistrict,
    district_leader,
    scene,  # noqa: F811
):
    log_in(phone_page, live_server, "leader", "correct-horse-battery")
    phone_page.goto(
        f"{live_server.url}/ranking/?area=subdistrict:{subdistrict.pk}&date={LAST.isoformat()}"
    )
    marks = phone_page.locator(".flag-mark summary")
    assert marks.count() == 2
    for number in range(2):
        box = marks.nth(number).bounding_box()
        assert box is not None
        assert box["width"] >= 24, box
        assert box["height"] >= 24, box
    marks.first.click()
    assert phone_page.locator(".flag-mark[open] .flag-reason").first.is_visible()
