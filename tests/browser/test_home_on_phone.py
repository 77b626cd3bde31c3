"""A clerk on a 375-px phone logs in, reads the home page in Chinese, switches to English."""

import pytest

from tests.browser.conftest import PHONE, log_in
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_clerk_logs_in_on_a_phone_and_reads_the_home_page(
    phone_page, live_server, subdistrict_staff, subdistrict
):
    SiteFactory(subdistrict=subdistrict, name="上海西站临时接种点", kind="temporary")
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.wait_for_selector("text=您的权限范围")
    assert phone_page.locator("h1").inner_text().startswith("您好")
    assert phone_page.is_visible("text=上海西站临时接种点")
    assert fits_the_screen(phone_page)


def test_wrong_password_says_so_in_chinese(phone_page, live_server, subdistrict_staff):
    log_in(phone_page, live_server, "clerk", "not-the-password")
    assert phone_page.is_visible("text=用户名或密码错误")
    assert fits_the_screen(phone_page)


def test_english_button_switches_the_language(phone_page, live_server, subdistrict_staff):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.wait_for_selector("text=您的权限范围")
    phone_page.click("button[value=en]")
    phone_page.wait_for_selector("text=Your scope")
    assert phone_page.get_attribute("html", "lang") == "en"
    assert fits_the_screen(phone_page)
