"""Browser tests drive Debian's Chromium through Playwright against pytest-django's
live server. Playwright's own browser download cannot work on an offline machine."""

import datetime
import os

import pytest

from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous and safe, but Django refuses them with
# SynchronousOnlyOperation unless told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 375, "height": 812}
# The entry tests' evening: the demo campaign's last day.
TODAY = datetime.date(2021, 6, 30)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def phone_page(browser):
    # Without the service worker: its background fetches of the entry pages would still
    # run while the test database is flushed. The offline tests use worker_phone_page.
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, service_workers="block"
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def worker_phone_page(browser):
    """A phone whose browser runs the service worker (pages cached for offline use)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def entry_site(settings, subdistrict, committee):
    """The evening's site of the entry grid tests: a temporary site open since 06-07 in
    万里街道, whose grid has two committees (万里雅筑, 中浩云) and non-residents."""
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    CommitteeFactory(subdistrict=subdistrict, code="310107-WL-02", name="中浩云居民区")
    return SiteFactory(
        subdistrict=subdistrict,
        name="家乐福临时接种点",
        kind="temporary",
        active_from=datetime.date(2021, 6, 7),
        daily_capacity=500,
    )


def grid_url(live_server, site, day=TODAY):
    return f"{live_server.url}/tallies/{site.pk}/{day.isoformat()}/"


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")


def log_out(page):
    """Log out as a user does: on a phone the button is in the menu, opened first."""
    logout = page.locator("form.logout button")
    if not logout.is_visible():
        page.click("button.menu-button")
    logout.click()


def in_sight_on_a_phone(locator, what):
    """``locator`` is drawn within the phone's width: read without a sideways swipe."""
    box = locator.bounding_box()
    assert box is not None, what
    assert box["width"] > 0, what
    assert box["x"] >= 0, what
    assert box["x"] + box["width"] <= PHONE["width"], what
