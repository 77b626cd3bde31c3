"""A clerk on a 375-px phone logs in, reads the home page in Chinese, switches to English;
a leader and a clerk read the morning's figures on the first screen of a 375 × 667 phone
and open the menu with its button. Screenshots go to test-results/."""

from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, log_in
from tests.factories import SiteFactory
from tests.reports.bulletin_scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


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
    # The subdistricts in scope, down to their eligible population, without a swipe.
    table = phone_page.locator("section:has(h2:text-is('您范围内的街道')) table")
    assert "普陀区" in table.locator("tbody td").first.inner_text()
    assert table.locator("thead th").last.inner_text() == "适种人口"
    assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")


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


SMALL_PHONE = {"width": 375, "height": 667}


@pytest.fixture
def small_phone_page(browser):
    context = browser.new_context(
        viewport=SMALL_PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def scene(settings, subdistrict, committee):
    return build_scene(settings, subdistrict, committee)


def _bottom(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["y"] + box["height"]


@pytest.mark.parametrize(
    ("username", "coverage"),
    [("leader", "0.3%"), ("clerk", "13.0%")],  # 1,300 of 500,000 in 普陀区; of 10,000 in 万里街道
)
def test_the_morning_figures_fill_the_first_screen_of_a_small_phone(
    small_phone_page, live_server, district_leader, subdistrict_staff, scene, username, coverage
):
    page = small_phone_page
    log_in(page, live_server, username, "correct-horse-battery")
    page.wait_for_selector(".morning")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=RESULTS / f"home-{username}-375.png")
    figures = page.inner_text(".morning .figures")
    assert "390" in figures  # doses on 04-29
    assert coverage in figures
    assert "第 1 名" in figures
    assert "有风险" in page.inner_text(".morning")
    assert "1 个接种点今天尚未上报" in page.inner_text(".board-link")
    # Everything of the morning, down to its last milestone, without scrolling.
    assert _bottom(page, ".morning") <= SMALL_PHONE["height"]
    assert page.evaluate("window.scrollY") == 0
    assert fits_the_screen(page)
    # Then the links: below the figures.
    assert page.locator("#pages-title").bounding_box()["y"] > _bottom(page, ".morning .figures")


def test_the_menu_button_opens_the_menu_on_a_phone(
    small_phone_page, live_server, district_leader, scene
):
    page = small_phone_page
    log_in(page, live_server, "leader", "correct-horse-battery")
    page.wait_for_selector(".morning")
    button = page.locator("button.menu-button")
    # One line: the name and the button, the menu hidden.
    assert page.locator(".topbar").bounding_box()["height"] <= 60
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.is_visible(".topnav >> text=排名")
    assert button.bounding_box()["height"] >= 44

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    ranking = page.locator(".topnav >> text=排名")
    assert ranking.is_visible()
    assert ranking.bounding_box()["height"] >= 44  # a thumb's target
    assert page.is_visible("button:has-text('退出')")
    ranking.click()
    page.wait_for_url("**/ranking/")

    page.locator("button.menu-button").click()
    page.locator("button.menu-button").click()  # and closes it again
    assert not page.is_visible(".topnav >> text=排名")


def test_the_whole_menu_shows_on_a_desktop(browser, live_server, district_leader, scene):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "leader", "correct-horse-battery")
    page.wait_for_selector(".morning")
    assert not page.is_visible("button.menu-button")
    assert page.is_visible(".topnav >> text=排名")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=RESULTS / "home-leader-1280.png", full_page=True)
    context.close()
