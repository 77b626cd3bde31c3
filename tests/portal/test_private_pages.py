"""No browser or proxy keeps a logged-in page or download (issue 17, item 9): a shared
office computer shows nothing of the last user after logout."""

import pytest
from django.urls import reverse

from tests.portal import test_access_matrix
from tests.portal.test_access import every_url
from tests.portal.test_access_matrix import LEADER, ROLES, STAFF, URLS, url

pytestmark = pytest.mark.django_db

world = test_access_matrix.world  # the access matrix's three areas and roles


def assert_private(response, where):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    # A snapshot page with an ETag may be kept, but only to be asked for again on every
    # use (a reload answers 304, issue 15); the logout clears it (test_revalidation.py).
    kept = {"private", "no-cache"} if response.has_header("ETag") else {"private", "no-store"}
    assert kept <= directives, (where, response.status_code, directives)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_download_of_a_logged_in_user_is_private(client, world, role):
    client.force_login(world["users"][role])
    checked = 0
    for name, endpoint in URLS.items():
        if endpoint.anonymous or name == "logout":
            continue
        for target in endpoint.urls(world["home"]) if endpoint.urls else [url(name)]:
            assert_private(client.get(target), target)
            checked += 1
    assert checked > 30


def test_downloads_are_private(client, world):
    """The bulletin's picture and workbook and the exports, each opened for real."""
    home = world["home"]
    client.force_login(world["users"][STAFF])
    downloads = [
        *URLS["reports:bulletin_png"].urls(home),
        *URLS["reports:bulletin_xlsx"].urls(home),
        *URLS["reports:export_tallies"].urls(home),
        URLS["reports:export_ranking"].urls(home)[0],
        url("sites:import_template"),
    ]
    for target in downloads:
        response = client.get(target)
        assert response.status_code == 200, target
        assert_private(response, target)


def test_every_admin_page_is_private(client, administrator):
    client.force_login(administrator)
    checked = 0
    for name, sample in every_url():
        if name is None or name.startswith("admin:"):
            assert_private(client.get(sample), sample)
            checked += 1
    assert checked > 50


def test_the_answer_to_a_logout_is_private_too(client, world):
    client.force_login(world["users"][LEADER])
    assert_private(client.post(reverse("logout")), "logout")


def test_static_files_stay_cacheable_and_the_login_page_is_never_stored(client):
    static = client.get("/static/css/portal.css")
    assert "no-store" not in static.get("Cache-Control", "")
    login = client.get(reverse("login"))
    assert login.status_code == 200
    assert "no-store" in login["Cache-Control"]
    assert client.get(reverse("health")).get("Cache-Control") is None
