"""Every page needs a login; the admin is for administrators only."""

import datetime
import itertools
import re

import pytest
from django.contrib.admindocs.views import extract_views_from_urlpatterns, simplify_regex
from django.urls import NoReverseMatch, get_resolver, reverse

pytestmark = pytest.mark.django_db

# The only URLs an anonymous visitor may reach: the login pages (the portal's and the
# admin's), the language switch the login page uses (it only sets a cookie) and the health
# check for load balancers.
# The set-password link of a new account opens without a login: its token is the key.
OPEN_TO_ANONYMOUS = {
    "login",
    "admin:login",
    "set_language",
    "health",
    # The entry pages' web app manifest and service worker: no data, and a browser asks
    # for them before anybody has logged in.
    "service_worker",
    "web_manifest",
    "api:schema",
    "api:docs",
    "password_set",
    "password_reset_complete",
}
# The HTTP API answers to a token, not to a login: without one it answers 401 (a problem
# document for the client program), never the login page. Its description and docs page
# (above) hold no data and are open.
API_NAMESPACE = "api:"


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
        if name and name.startswith(API_NAMESPACE):
            assert response.status_code == 401, (url, response.status_code)
            assert response["Content-Type"] == "application/problem+json"
            checked += 1
            continue
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
        "campaign_building",
        "campaign_buildingcount",
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


# ---------------------------------------------------------------------------------------
# Scope matrix of the second-dose and golden shield pages: every role, on a committee
# inside its scope ("mine"), a neighbour in the same subdistrict and one in another
# district. Outside the scope is 404; leaders read and write nothing.
# ---------------------------------------------------------------------------------------

ROLES = ["administrator", "district_leader", "subdistrict_staff", "committee_staff", None]


@pytest.fixture
def places(committee, subdistrict):
    from tests.factories import (
        BuildingFactory,
        CampaignFactory,
        CommitteeFactory,
        DistrictFactory,
        SubdistrictFactory,
    )

    CampaignFactory()
    neighbour = CommitteeFactory(subdistrict=subdistrict, name="中浩云居民区")
    far = CommitteeFactory(
        subdistrict=SubdistrictFactory(district=DistrictFactory(name="二七区"), name="五里堡街道")
    )
    return {
        "mine": (committee, BuildingFactory(committee=committee)),
        "neighbour": (neighbour, BuildingFactory(committee=neighbour)),
        "far": (far, BuildingFactory(committee=far)),
    }


# Expected GET status per role for (mine, neighbour, far).
READ_COMMITTEE = {
    "administrator": (200, 200, 200),
    "district_leader": (200, 200, 404),
    "subdistrict_staff": (200, 200, 404),
    "committee_staff": (200, 404, 404),
    "nobody": (404, 404, 404),
    None: (302, 302, 302),
}
# Expected POST status: 302 is "saved, back to the page"; leaders write nothing.
WRITE_COMMITTEE = {
    "administrator": (302, 302, 302),
    "district_leader": (404, 404, 404),
    "subdistrict_staff": (302, 302, 404),
    "committee_staff": (302, 404, 404),
    "nobody": (404, 404, 404),
    None: (302, 302, 302),  # to the login page
}


def _log_in(client, request, role):
    from tests.factories import UserFactory

    if role == "nobody":
        client.force_login(UserFactory(username="nobody"))
    elif role:
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", [*ROLES, "nobody"])
def test_scope_matrix_of_the_overview_pages(client, request, role, places):
    _log_in(client, request, role)
    expected = {None: 302, "nobody": 404}.get(role, 200)
    for name in ["reports:second_doses", "campaign:buildings"]:
        response = client.get(reverse(name))
        assert response.status_code == expected, (name, response.status_code)
        if expected == 200:
            html = response.content.decode()
            assert "五里堡" not in html or role == "administrator", name


@pytest.mark.parametrize("role", [*ROLES, "nobody"])
def test_scope_matrix_of_the_committee_and_building_pages(client, request, role, places):
    _log_in(client, request, role)
    for place, (committee, building) in enumerate(places.values()):
        expected = READ_COMMITTEE[role][place]
        for url in [
            reverse("reports:second_dose_committee", args=[committee.pk]),
            reverse("campaign:building_committee", args=[committee.pk]),
            reverse("campaign:building", args=[building.pk]),
        ]:
            assert client.get(url).status_code == expected, (url, role, place)


@pytest.mark.parametrize("role", [*ROLES, "nobody"])
def test_scope_matrix_of_building_writes(client, request, role, places, settings):
    from campaign.models import Building, BuildingCount

    settings.STREETVAX_DEMO_DATE = datetime.date(2021, 6, 30)
    _log_in(client, request, role)
    for place, (committee, building) in enumerate(places.values()):
        expected = WRITE_COMMITTEE[role][place]
        saved = expected == 302 and role is not None
        before = Building.objects.count()
        response = client.post(
            reverse("campaign:building_committee", args=[committee.pk]),
            {"name": "新楼", "residents": "80"},
        )
        assert response.status_code == expected, (role, place)
        assert Building.objects.count() == before + saved
        response = client.post(
            reverse("campaign:building", args=[building.pk]),
            {"action": "count", "date": "2021-06-30", "vaccinated": "90"},
        )
        assert response.status_code == expected, (role, place)
        assert BuildingCount.objects.filter(building=building).exists() is saved
        response = client.post(
            reverse("campaign:building", args=[building.pk]),
            {"action": "edit", "name": "改名楼", "residents": "125"},
        )
        assert response.status_code == expected, (role, place)
        building.refresh_from_db()
        assert (building.name == "改名楼") is saved
        if not saved and expected == 302:
            assert response["Location"].startswith(reverse("login"))


# Scope matrix: the daily bulletin (每日通报) and the timeline (大事记) --------------------------
# Each role against its own area and a far one (五里堡街道 in 二七区). 200/302: allowed;
# 404: outside the scope or not allowed to write. "nobody" is a user without any scope.

BULLETIN_ROLES = ["administrator", "district_leader", "subdistrict_staff", "committee_staff"]


@pytest.fixture
def bulletin_matrix(settings, subdistrict, committee, administrator):
    from reports.services.bulletins import bulletin_publish
    from tests.factories import UserFactory
    from tests.reports.bulletin_scene import DAY, build_scene

    scene = build_scene(settings, subdistrict, committee)
    own = bulletin_publish(
        user=administrator, subdistrict=subdistrict, on=DAY, unreported_confirmed=True
    )
    far = bulletin_publish(
        user=administrator, subdistrict=scene["far"], on=DAY, unreported_confirmed=True
    )
    UserFactory(username="nobody")
    return {"own": own, "far": far, "far_subdistrict": scene["far"], "day": DAY}


def _bulletin_reads(m, subdistrict):
    """(label, url) of every page that reads: own area first, then the far one."""
    earlier = (m["day"] - datetime.timedelta(days=1)).isoformat()  # not published: a preview
    reads = []
    for side, bulletin, area in (
        ("own", m["own"], subdistrict),
        ("far", m["far"], m["far_subdistrict"]),
    ):
        reads += [
            (side, f"{reverse('reports:bulletin_preview')}?subdistrict={area.pk}&date={earlier}"),
            (side, reverse("reports:bulletin", args=[bulletin.pk])),
            (side, reverse("reports:bulletin_png", args=[bulletin.pk])),
            (side, reverse("reports:bulletin_xlsx", args=[bulletin.pk])),
        ]
    return reads


@pytest.mark.parametrize("role", BULLETIN_ROLES)
def test_bulletin_pages_open_in_scope_and_answer_404_outside(
    client, request, bulletin_matrix, subdistrict, role
):
    client.force_login(request.getfixturevalue(role))
    for name in ("reports:bulletins", "reports:milestones"):
        assert client.get(reverse(name)).status_code == 200, name
    for side, url in _bulletin_reads(bulletin_matrix, subdistrict):
        status = client.get(url).status_code
        expected = 200 if side == "own" or role == "administrator" else 404
        assert status == expected, (role, url, status)


def test_bulletin_pages_answer_404_to_a_user_without_scope(client, bulletin_matrix, subdistrict):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="nobody"))
    for name in ("reports:bulletins", "reports:milestones"):
        assert client.get(reverse(name)).status_code == 404, name
    for _side, url in _bulletin_reads(bulletin_matrix, subdistrict):
        assert client.get(url).status_code == 404, url


# Who may write: publish a bulletin (of another day) and add a timeline note.
WRITES = {
    "administrator": {"own": 302, "far": 302},
    "subdistrict_staff": {"own": 302, "far": 404},
    "district_leader": {"own": 404, "far": 404},
    "committee_staff": {"own": 404, "far": 404},
}


@pytest.mark.parametrize("role", BULLETIN_ROLES)
def test_only_administrators_and_subdistrict_staff_publish_and_write_notes(
    client, request, bulletin_matrix, subdistrict, role
):
    from reports.models import Bulletin, MilestoneNote

    client.force_login(request.getfixturevalue(role))
    earlier = (bulletin_matrix["day"] - datetime.timedelta(days=1)).isoformat()
    for side, area in (("own", subdistrict), ("far", bulletin_matrix["far_subdistrict"])):
        before = (Bulletin.objects.count(), MilestoneNote.objects.count())
        published = client.post(
            reverse("reports:bulletin_publish"),
            {"subdistrict": area.pk, "date": earlier, "unreported_confirmed": "on"},
        )
        noted = client.post(
            reverse("reports:milestone_note_add"),
            {"area": f"subdistrict:{area.pk}", "date": earlier, "text": "走访"},
        )
        expected = WRITES[role][side]
        assert (published.status_code, noted.status_code) == (expected, expected), (role, side)
        written = 1 if expected == 302 else 0
        after = (Bulletin.objects.count(), MilestoneNote.objects.count())
        assert after == (before[0] + written, before[1] + written), (role, side)


@pytest.mark.parametrize("role", BULLETIN_ROLES)
def test_bulletin_writes_refuse_get(client, request, bulletin_matrix, role):
    client.force_login(request.getfixturevalue(role))
    for name in ("reports:bulletin_publish", "reports:milestone_note_add"):
        assert client.get(reverse(name)).status_code == 405, name


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
    from campaign.areas import Area

    client.force_login(request.getfixturevalue(role))
    far = mobile_teams["far"].subdistrict
    for area in [Area(far), Area(far.district)]:
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
