"""The unreported board on a phone: a silent site's phone number is one tap away, and its
name opens the grid for a clerk who may enter it."""

import datetime

import pytest

from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_clerk_calls_a_silent_site_or_opens_its_grid(
    phone_page, live_server, settings, subdistrict_staff, committee
):
    settings.STREETVAX_DEMO_DATE = datetime.date(2021, 6, 30)
    CampaignFactory()
    site = SiteFactory(
        subdistrict=committee.subdistrict,
        name="上海西站临时接种点",
        active_from=datetime.date(2021, 6, 7),
        contact_name="李护士",
        contact_phone="021-62000002",
    )
    subdistrict_staff.set_password("correct-horse-battery")
    subdistrict_staff.save()
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/board/")

    phone = phone_page.locator('#board a[href="tel:021-62000002"]')
    assert phone.inner_text() == "021-62000002"
    box = phone.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert "李护士" in phone_page.inner_text("#board")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375

    phone_page.click("#board >> text=上海西站临时接种点")
    phone_page.wait_for_url(f"**/tallies/{site.pk}/2021-06-30/")
