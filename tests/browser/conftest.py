"""Browser tests drive Debian's Chromium through Playwright against pytest-django's
live server. Playwright's own browser download cannot work on an offline machine."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous and safe, but Django refuses them with
# SynchronousOnlyOperation unless told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 375, "height": 812}


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
