"""Every page needs a login; the admin is for administrators only."""

import itertools
import re

import pytest
from django.contrib.admindocs.views import extract_views_from_urlpatterns, simplify_regex
from django.urls import NoReverseMatch, get_resolver, reverse

pytestmark = pytest.mark.django_db

# The only URLs an anonymous visitor may reach: the login pages (the portal's and the
# admin's), the language switch the login page uses (it only sets a cookie) and the health
# check for load balancers.
OPEN_TO_ANONYMOUS = {"login", "admin:login", "set_language", "health"}


def every_url():
    """One concrete URL per URL pattern, with sample values for its arguments."""
    for _view, regex, namespaces, name in extract_views_from_urlpatterns(
        get_resolver().url_patterns
    ):
        if not name:
            yield None, re.sub(r"<[^>]+>", "1", simplify_regex(regex))
            continue
        full_name = ":".join([*(namespaces or []), name])
        yield full_name, _reverse_with_samples(full_name)


def _reverse_with_samples(name):
    # An id, or an app label for the admin's per-app index.
    for arg_count in range(4):
        for args in itertools.product(["1", "campaign"], repeat=arg_count):
            try:
                return reverse(name, args=args)
            except NoReverseMatch:
                continue
    raise AssertionError(f"cannot build a URL for {name}")


def test_url_walk_covers_the_portal_and_the_admin():
    names = {name for name, _url in every_url()}
    assert {"home", "login", "admin:index", "admin:sites_dailytally_changelist"} <= names


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_sends_anonymous_visitors_to_login(client, method):
    logins = (f"{reverse('login')}?next=", f"{reverse('admin:login')}?next=")
    checked = 0
    for name, url in every_url():
        if name in OPEN_TO_ANONYMOUS:
            continue
        response = getattr(client, method)(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith(logins), (url, response["Location"])
        checked += 1
    assert checked > 50


def test_login_page_and_health_check_are_open(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("health")).json() == {"status": "ok"}


def test_static_files_are_served_without_login(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert b"StreetVax" in b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "user_fixture", ["district_leader", "subdistrict_staff", "committee_staff"]
)
def test_admin_is_closed_to_everyone_but_administrators(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    for url in [reverse("admin:index"), reverse("admin:sites_site_changelist")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_administrator_uses_the_admin_for_every_model(client, administrator):
    client.force_login(administrator)
    for model in [
        "campaign_district",
        "campaign_subdistrict",
        "campaign_committee",
        "campaign_campaign",
        "campaign_target",
        "campaign_staffscope",
        "sites_site",
        "sites_dailytally",
    ]:
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200, model


def test_logout_is_post_only(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_administrator_manages_a_users_scope_on_the_user_page(
    client, administrator, subdistrict_staff
):
    client.force_login(administrator)
    page = client.get(reverse("admin:auth_user_change", args=[subdistrict_staff.pk]))
    assert page.status_code == 200
    assert "权限范围" in page.content.decode()
    assert "万里街道" in page.content.decode()
