"""The API's docs page works in a browser under the portal's content security policy and
asks for nothing outside the portal."""

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_docs_page_shows_every_operation_from_the_portal_alone(page, live_server):
    asked, refused = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text and "script" in message.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector("text=/api/v1/tallies/")
    for path in ["/api/v1/ranking/", "/api/v1/summary/", "/api/v1/imports/{import_id}/"]:
        assert page.is_visible(f"text={path}"), path
    portal = urlparse(live_server.url).netloc
    outside = [url for url in asked if urlparse(url).netloc not in (portal, "")]
    assert outside == []
    assert refused == []  # no script blocked: the page's own scripts are files
