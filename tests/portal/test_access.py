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
        "sites_siteplan",
        "sites_mobilevisit",
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


# --- Site capacity, daily plans and mobile visits (issue 6, item 3) --------------------
# Who may open each page, and who may write; anything outside a user's scope answers 404.
CAPACITY_ROLES = ["administrator", "district_leader", "subdistrict_staff", "committee_staff", ""]
CAPACITY_MATRIX = {  # role: (capacity, plans, visits, far team's visits, record, delete)
    "administrator": (200, 200, 200, 200, 302, 302),
    "district_leader": (200, 404, 200, 404, 404, 404),
    "subdistrict_staff": (200, 200, 200, 404, 302, 302),
    "committee_staff": (200, 404, 200, 404, 404, 404),
    "": (404, 404, 404, 404, 404, 404),  # a login without a scope
}


@pytest.fixture
def mobile_teams(subdistrict, committee):
    import datetime

    from tests.factories import DistrictFactory, MobileVisitFactory, SiteFactory
    from tests.factories import SubdistrictFactory as Subdistricts

    near = SiteFactory(subdistrict=subdistrict, kind="mobile", name="万里街道疫苗接种机动队")
    far_area = Subdistricts(district=DistrictFactory(name="二七区"), name="五里堡街道")
    far = SiteFactory(subdistrict=far_area, kind="mobile", name="五里堡上门接种队")
    day = datetime.date(2021, 6, 28)
    return {
        "near": near,
        "far": far,
        "near_visit": MobileVisitFactory(site=near, date=day, committee=committee),
        "far_visit": MobileVisitFactory(site=far, date=day, compound="郑大南校区"),
    }


@pytest.mark.parametrize("role", CAPACITY_ROLES)
def test_scope_matrix_for_capacity_plans_and_visits(
    client, request, settings, role, mobile_teams, committee
):
    import datetime

    from sites.models import MobileVisit
    from tests.factories import CampaignFactory, UserFactory

    settings.STREETVAX_DEMO_DATE = datetime.date(2021, 6, 30)
    CampaignFactory()
    user = request.getfixturevalue(role) if role else UserFactory(username="no-scope")
    client.force_login(user)
    expected = CAPACITY_MATRIX[role]
    near, far = mobile_teams["near"], mobile_teams["far"]
    got = [
        client.get(reverse("sites:capacity")).status_code,
        client.get(reverse("sites:plans")).status_code,
        client.get(reverse("sites:visits")).status_code,
        client.get(reverse("sites:visits"), {"site": far.pk}).status_code,
    ]
    record = client.post(
        reverse("sites:visits"),
        {"site": near.pk, "date": "2021-06-29", "committee": committee.pk},
    )
    got.append(record.status_code)
    delete = client.post(reverse("sites:visit_delete", args=[mobile_teams["near_visit"].pk]))
    got.append(delete.status_code)
    assert tuple(got) == expected
    written = MobileVisit.objects.filter(date=datetime.date(2021, 6, 29)).exists()
    assert written == (expected[4] == 302)
    kept = MobileVisit.objects.filter(pk=mobile_teams["near_visit"].pk).exists()
    assert kept == (expected[5] == 404)


@pytest.mark.parametrize("role", ["district_leader", "subdistrict_staff", "committee_staff"])
def test_capacity_pages_answer_404_for_an_area_outside_the_scope(
    client, request, role, mobile_teams
):
    from reports.selectors import Area

    client.force_login(request.getfixturevalue(role))
    far = mobile_teams["far"].subdistrict
    for area in [Area("subdistrict", far), Area("district", far.district)]:
        for name in ["sites:capacity", "sites:visits"]:
            response = client.get(reverse(name), {"area": area.key})
            assert response.status_code == 404, (name, area.key)
    html = client.get(reverse("sites:capacity")).content.decode()
    assert "五里堡" not in html  # without an area: the user's own


def test_staff_cannot_delete_another_subdistricts_visit_or_plan_its_sites(
    client, subdistrict_staff, mobile_teams
):
    from sites.models import MobileVisit

    client.force_login(subdistrict_staff)
    far_visit = mobile_teams["far_visit"]
    assert client.post(reverse("sites:visit_delete", args=[far_visit.pk])).status_code == 404
    assert MobileVisit.objects.filter(pk=far_visit.pk).exists()
    page = client.get(reverse("sites:plans"), {"subdistrict": mobile_teams["far"].subdistrict_id})
    assert page.status_code == 404
    assert client.get(reverse("sites:visit_delete", args=[far_visit.pk])).status_code == 405
