"""The access matrix (issue 8, item 3), generated from the URL configuration.

``URLS`` below has one line per named URL pattern of the portal; a pattern missing from
it fails ``test_every_url_pattern_is_in_the_matrix``, so a new page cannot ship without
saying who may open it. The admin's patterns are covered as a whole (``admin:``): only
administrators get in, and accounts and scopes only superusers change.

For every object endpoint (ids in the path or the query string) each role asks for the
objects of an area outside its scope, with GET and POST, and gets 404, and no row of the
campaign, sites or reports apps changes. Leaders POST to every URL and change nothing.
Anonymous visitors are covered by test_access.py (every pattern, GET and POST).

Adding a URL: one line in ``URLS``. A page without ids is ``Endpoint()``; an object
endpoint says how to build its URL from an ``Area``'s objects, e.g.
``Endpoint(urls=lambda a: [url("reports:committee", a.committee.pk)])``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from campaign.models import Campaign, StaffScope
from reports.models import QualityFlag
from reports.services.bulletins import bulletin_publish
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally, TallyImport
from sites.services.imports import tally_import_check
from tests.factories import (
    BuildingFactory,
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    MobileVisitFactory,
    SiteFactory,
    StaffScopeFactory,
    SubdistrictFactory,
    TargetFactory,
    UserFactory,
)
from tests.portal.test_access import OPEN_TO_ANONYMOUS, every_url

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2021, 6, 30)
DAY = "2021-06-29"  # a day no site of the world has reported: a POST there would write
PUBLISHED = datetime.date(2021, 6, 28)  # each area's published bulletin
LEADER, STAFF, COMMITTEE = "leader", "subdistrict staff", "committee staff"
ROLES = (LEADER, STAFF, COMMITTEE)
ENTERERS = frozenset({STAFF, COMMITTEE})


def url(name: str, *args, **query) -> str:
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query)}" if query else path


@dataclass(frozen=True)
class Endpoint:
    # Open without a login (test_access.py checks that every other pattern is closed).
    anonymous: bool = False
    # An object endpoint: the URLs that name this area's objects (the first one must open
    # for the readers of that area, the control that the URL is right).
    urls: Callable[[Area], list[str]] | None = None
    # A POST changes campaign data: leaders are refused and write nothing.
    writes: bool = False
    # The body of a POST, for the area whose objects are named.
    post: Callable[[Area], dict] = lambda _area: {}
    # Roles that open their own area's objects with GET (empty: POST-only endpoint).
    readers: frozenset[str] = frozenset(ROLES)
    # The user's own account or session (log out, password, language): not campaign data.
    account: bool = False
    # The HTTP API: answers to a token, not to a session (any role's session gets 401).
    # Its ``urls`` are asked with tokens scoped as each role's (``TOKEN_SCOPES``) below;
    # tests/api/test_api.py has the rest of its scope matrix.
    token: bool = False


REPORT_ZERO = {"report_zero": "1"}
HEADER = "date,site_code,committee_code,dose,count"

# One line per named URL pattern. The lead adds the lines of other branches at merge time.
URLS: dict[str, Endpoint] = {
    "home": Endpoint(),
    "health": Endpoint(anonymous=True),
    "service_worker": Endpoint(anonymous=True),
    "web_manifest": Endpoint(anonymous=True),
    "login": Endpoint(anonymous=True, account=True),
    "logout": Endpoint(account=True),
    "password_change": Endpoint(account=True),
    "password_change_done": Endpoint(account=True),
    # A new account's link: its token is the key, not an area's object (no readers: the
    # page-by-page tests have no token to open it with).
    "password_set": Endpoint(anonymous=True, account=True, readers=frozenset()),
    "password_reset_complete": Endpoint(anonymous=True, account=True),
    "set_language": Endpoint(anonymous=True, account=True),
    "sites:entry_index": Endpoint(),
    "sites:entry": Endpoint(
        urls=lambda a: [url("sites:entry", a.site.pk, DAY)],
        writes=True,
        post=lambda _a: REPORT_ZERO,
        readers=ENTERERS,
    ),
    "sites:history": Endpoint(urls=lambda a: [url("sites:history", a.site.pk, DAY)]),
    "sites:board": Endpoint(),
    "sites:import_index": Endpoint(writes=True),
    "sites:import_template": Endpoint(),
    # Committee staff open their own imports only (as their tally export): not the clerk's.
    "sites:import_detail": Endpoint(
        urls=lambda a: [url("sites:import_detail", a.upload.pk)],
        readers=frozenset({LEADER, STAFF}),
    ),
    "sites:import_confirm": Endpoint(
        urls=lambda a: [url("sites:import_confirm", a.upload.pk)], writes=True, readers=frozenset()
    ),
    "sites:import_discard": Endpoint(
        urls=lambda a: [url("sites:import_discard", a.upload.pk)], writes=True, readers=frozenset()
    ),
    "reports:ranking": Endpoint(urls=lambda a: ranking_urls("reports:ranking", a)),
    "reports:targets": Endpoint(urls=lambda a: [url("reports:targets", target=a.target.pk)]),
    "reports:committee": Endpoint(urls=lambda a: [url("reports:committee", a.committee.pk)]),
    "reports:export_tallies": Endpoint(
        urls=lambda a: [
            url("reports:export_tallies", site=a.site.pk),
            url("reports:export_tallies", site=a.site.pk, format="xlsx"),
        ]
    ),
    "reports:export_ranking": Endpoint(urls=lambda a: ranking_urls("reports:export_ranking", a)),
    "reports:export_targets": Endpoint(),
    "reports:second_doses": Endpoint(urls=lambda a: ranking_urls("reports:second_doses", a)),
    "reports:second_dose_committee": Endpoint(
        urls=lambda a: [url("reports:second_dose_committee", a.committee.pk)]
    ),
    "reports:bulletins": Endpoint(),
    "reports:bulletin_preview": Endpoint(
        urls=lambda a: [url("reports:bulletin_preview", subdistrict=a.subdistrict.pk, date=DAY)]
    ),
    "reports:bulletin_publish": Endpoint(
        urls=lambda _a: [url("reports:bulletin_publish")],
        writes=True,
        post=lambda a: {"subdistrict": a.subdistrict.pk, "date": DAY},
        readers=frozenset(),
    ),
    "reports:bulletin": Endpoint(urls=lambda a: [url("reports:bulletin", a.bulletin.pk)]),
    "reports:bulletin_png": Endpoint(urls=lambda a: [url("reports:bulletin_png", a.bulletin.pk)]),
    "reports:bulletin_xlsx": Endpoint(urls=lambda a: [url("reports:bulletin_xlsx", a.bulletin.pk)]),
    "reports:milestones": Endpoint(
        urls=lambda a: [url("reports:milestones", area=f"subdistrict:{a.subdistrict.pk}")]
    ),
    "reports:milestone_note_add": Endpoint(
        urls=lambda _a: [url("reports:milestone_note_add")],
        writes=True,
        post=lambda a: {"area": f"subdistrict:{a.subdistrict.pk}", "date": DAY, "text": "走访"},
        readers=frozenset(),
    ),
    "reports:quality": Endpoint(),
    "reports:quality_verify": Endpoint(
        urls=lambda a: [url("reports:quality_verify", a.flag.pk)],
        writes=True,
        post=lambda _a: {"reason": "已电话核实"},
        readers=frozenset(),
    ),
    "campaign:buildings": Endpoint(),
    "campaign:building_committee": Endpoint(
        urls=lambda a: [url("campaign:building_committee", a.committee.pk)],
        writes=True,
        post=lambda _a: {"name": "新楼", "residents": "10"},
    ),
    "campaign:building": Endpoint(
        urls=lambda a: [url("campaign:building", a.building.pk)],
        writes=True,
        post=lambda _a: {"date": DAY, "vaccinated": "1"},
    ),
    "sites:capacity": Endpoint(urls=lambda a: ranking_urls("sites:capacity", a)),
    "sites:plans": Endpoint(
        urls=lambda a: [url("sites:plans", subdistrict=a.subdistrict.pk)],
        writes=True,
        post=lambda a: {f"plan-{a.site.pk}-{TODAY:%Y%m%d}": "5"},
        readers=frozenset({STAFF}),
    ),
    "sites:visits": Endpoint(
        urls=lambda a: [
            *ranking_urls("sites:visits", a),
            *([url("sites:visits", site=a.visit.site_id)] if a.visit else []),
        ],
        writes=True,
        post=lambda a: {"site": a.visit.site_id, "date": DAY, "committee": a.committee.pk},
    ),
    "sites:visit_delete": Endpoint(
        urls=lambda a: [url("sites:visit_delete", a.visit.pk)], writes=True, readers=frozenset()
    ),
    "api:tallies": Endpoint(token=True, writes=True, readers=frozenset()),
    "api:import": Endpoint(
        token=True, urls=lambda a: [url("api:import", a.upload.pk)], readers=frozenset({STAFF})
    ),
    "api:areas": Endpoint(token=True),
    "api:sites": Endpoint(token=True),
    "api:ranking": Endpoint(token=True, urls=lambda a: api_area_urls("api:ranking", a)),
    "api:targets": Endpoint(token=True, urls=lambda a: api_area_urls("api:targets", a)),
    "api:summary": Endpoint(token=True, urls=lambda a: api_area_urls("api:summary", a)),
    "api:schema": Endpoint(anonymous=True),
    "api:docs": Endpoint(anonymous=True),
}
ADMIN_NAMESPACE = "admin:"


def api_area_urls(name: str, area: Area) -> list[str]:
    """The API names areas by code: the subdistrict's own figures are readable by both
    token scopes; the district's by the district's token only."""
    return [
        url(name, area=area.subdistrict.code, date=PUBLISHED.isoformat()),
        url(name, area=area.district.code, date=PUBLISHED.isoformat()),
    ]


def ranking_urls(name: str, area: Area) -> list[str]:
    return [
        url(name, area=f"subdistrict:{area.subdistrict.pk}"),
        url(name, area=f"district:{area.district.pk}", sort="doses_today"),
    ]


# --- the world: a home area, a neighbour subdistrict in the same district, a far district


@dataclass
class Area:
    district: object
    subdistrict: object
    committee: object
    site: object
    target: object
    upload: object  # a checked, confirmable tally import by the area's own clerk
    building: object
    bulletin: object | None  # published once the world's snapshots are built
    clerk: object = field(repr=False)
    visit: object = None  # a mobile team's visit to the area's committee
    flag: object = None  # an open data-quality flag of the area's committee


def make_area(district, tag: str) -> Area:
    subdistrict = SubdistrictFactory(district=district, code=f"{tag}-S", name=f"{tag}街道")
    committee = CommitteeFactory(subdistrict=subdistrict, code=f"{tag}-C", name=f"{tag}居民区")
    site = SiteFactory(subdistrict=subdistrict, code=f"{tag}-SITE", name=f"{tag}接种点")
    target = TargetFactory(subdistrict=subdistrict, campaign=Campaign.objects.get())
    clerk = UserFactory(username=f"{tag}-clerk")
    StaffScopeFactory(user=clerk, role=StaffScope.Role.SUBDISTRICT_STAFF, subdistrict=subdistrict)
    content = f"{HEADER}\n{DAY},{site.code},{committee.code},first,5\n"
    upload = tally_import_check(user=clerk, file_name=f"{tag}.csv", content=content.encode())
    assert upload.status == TallyImport.Status.CHECKED, upload.errors
    building = BuildingFactory(committee=committee, name=f"{tag}1号楼")
    team = SiteFactory(subdistrict=subdistrict, code=f"{tag}-M", name=f"{tag}机动队", kind="mobile")
    visit = MobileVisitFactory(site=team, committee=committee)
    return Area(
        district, subdistrict, committee, site, target, upload, building, None, clerk, visit
    )


@pytest.fixture
def world(db, settings):
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    putuo, erqi = (
        DistrictFactory(code="PT", name="普陀区"),
        DistrictFactory(code="EQ", name="二七区"),
    )
    home = make_area(putuo, "home")
    neighbour = make_area(putuo, "neighbour")
    far = make_area(erqi, "far")
    snapshots_rebuild(start=PUBLISHED)
    for area in (home, neighbour, far):
        area.bulletin = bulletin_publish(
            user=area.clerk, subdistrict=area.subdistrict, on=PUBLISHED, unreported_confirmed=True
        )
        area.flag = QualityFlag.objects.create(
            key=f"above_population:c{area.committee.pk}",
            rule=QualityFlag.Rule.ABOVE_POPULATION,
            subdistrict=area.subdistrict,
            committee=area.committee,
            date=PUBLISHED,
            figure=9_999,
            detail={"population": area.committee.eligible_population},
            found_at=timezone.now(),
        )
    users = {
        LEADER: StaffScopeFactory(
            user=UserFactory(username="leader"),
            role=StaffScope.Role.DISTRICT_LEADER,
            district=putuo,
        ).user,
        STAFF: home.clerk,
        COMMITTEE: StaffScopeFactory(
            user=UserFactory(username="committee"),
            role=StaffScope.Role.COMMITTEE_STAFF,
            committee=home.committee,
        ).user,
    }
    # Areas outside each role's scope: another district for the leader, another
    # subdistrict (same district) and another district for staff.
    foreign = {LEADER: [far], STAFF: [neighbour, far], COMMITTEE: [neighbour, far]}
    return {"home": home, "users": users, "foreign": foreign}


def fingerprint() -> dict:
    """Row counts of every model of the campaign, sites and reports apps (history tables
    included, so an update shows too), and the tallies' counts and versions."""
    counts = {
        model._meta.label: model._default_manager.count()
        for label in ("campaign", "sites", "reports")
        for model in apps.get_app_config(label).get_models()
    }
    counts["tally sums"] = DailyTally.objects.aggregate(Sum("count"), Sum("version"))
    counts["open flags"] = QualityFlag.objects.filter(verified_at__isnull=True).count()
    counts["import statuses"] = sorted(TallyImport.objects.values_list("pk", "status"))
    return counts


def object_endpoints():
    return [
        (name, endpoint) for name, endpoint in URLS.items() if endpoint.urls and not endpoint.token
    ]


def token_endpoints():
    return [(name, endpoint) for name, endpoint in URLS.items() if endpoint.token]


# --- the table matches the URL configuration


def test_every_url_pattern_is_in_the_matrix():
    names, unnamed = set(), []
    for name, sample in every_url():
        if name is None:
            unnamed.append(sample)
        elif not name.startswith(ADMIN_NAMESPACE):
            names.add(name)
    missing = names - set(URLS)
    assert not missing, f"add these URL patterns to URLS in {__name__}: {sorted(missing)}"
    assert not set(URLS) - names, "URLS lists patterns that no longer exist"
    assert all(sample.startswith("/admin/") for sample in unnamed), unnamed


def test_open_patterns_are_the_ones_test_access_lets_in():
    open_here = {name for name, endpoint in URLS.items() if endpoint.anonymous}
    assert open_here | {"admin:login"} == OPEN_TO_ANONYMOUS


def test_the_matrix_covers_the_whole_url_configuration():
    """How much of it: every portal pattern by name, the admin as a namespace."""
    patterns = list(every_url())
    admin = [name for name, _url in patterns if name is None or name.startswith("admin:")]
    assert len(URLS) + len(admin) == len(patterns)
    assert len(object_endpoints()) >= 9


# --- ids from another area: 404, and nothing written


@pytest.mark.parametrize("role", ROLES)
def test_own_objects_open_for_their_readers(client, world, role):
    """The control: the URLs are right, so the 404s below are about scope."""
    client.force_login(world["users"][role])
    for name, endpoint in object_endpoints():
        if role in endpoint.readers:
            own = endpoint.urls(world["home"])[0]
            assert client.get(own).status_code == 200, (role, name, own)


@pytest.mark.parametrize("role", ROLES)
def test_ids_from_another_area_answer_404_and_write_nothing(client, world, role):
    client.force_login(world["users"][role])
    tried = 0
    for name, endpoint in object_endpoints():
        for area in world["foreign"][role]:
            for foreign_url in endpoint.urls(area):
                before = fingerprint()
                got = client.get(foreign_url).status_code
                assert got == (404 if endpoint.readers else 405), (role, name, foreign_url, got)
                response = client.post(foreign_url, endpoint.post(area))
                assert response.status_code == 404, (role, name, foreign_url)
                assert fingerprint() == before, (role, name, foreign_url)
                tried += 2
    assert tried >= 20


def test_the_fingerprint_sees_a_write(client, world):
    """A POST that is allowed does write, and the fingerprint notices it."""
    home = world["home"]
    client.force_login(world["users"][STAFF])
    before = fingerprint()
    response = client.post(URLS["sites:entry"].urls(home)[0], REPORT_ZERO)
    assert response.status_code == 302
    assert fingerprint() != before
    before = fingerprint()
    client.force_login(home.clerk)
    assert client.post(URLS["sites:import_confirm"].urls(home)[0]).status_code == 302
    assert fingerprint() != before


@pytest.mark.parametrize("role", [STAFF, COMMITTEE])
def test_a_file_naming_another_areas_site_writes_no_tally(client, world, role):
    far = world["foreign"][role][-1]
    client.force_login(world["users"][role])
    content = f"{HEADER}\n{DAY},{far.site.code},{far.committee.code},first,9\n"
    tallies = DailyTally.objects.count()
    client.post(url("sites:import_index"), {"file": SimpleUploadedFile("x.csv", content.encode())})
    log = TallyImport.objects.latest("pk")
    assert log.status == TallyImport.Status.REFUSED
    assert DailyTally.objects.count() == tallies


# --- the API: tokens scoped as a leader (a district's) and as staff (a subdistrict's)


TOKEN_SCOPES = {LEADER: "district", STAFF: "subdistrict"}


def api_token(world, role: str) -> str:
    from api.models import ApiToken
    from api.services import api_token_create

    home = world["home"]
    if TOKEN_SCOPES[role] == "district":
        access, areas = ApiToken.Access.READ, {"district": home.district}
    else:
        access, areas = ApiToken.Access.READ_WRITE, {"subdistrict": home.subdistrict}
    _token, key = api_token_create(name=f"{role} system", access=access, **areas)
    return key


@pytest.mark.parametrize("role", ROLES)
def test_a_session_of_any_role_gets_401_from_the_api(client, world, role):
    client.force_login(world["users"][role])
    before = fingerprint()
    for name, endpoint in token_endpoints():
        for target in endpoint.urls(world["home"]) if endpoint.urls else [url(name)]:
            assert client.get(target).status_code == 401, (role, name)
            assert client.post(target, endpoint.post(world["home"])).status_code == 401
    assert fingerprint() == before


@pytest.mark.parametrize("role", list(TOKEN_SCOPES))
def test_api_ids_from_another_area_answer_404_and_write_nothing(client, world, role):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(world, role)}"}
    tried = 0
    for name, endpoint in token_endpoints():
        if not endpoint.urls:
            continue
        own = endpoint.urls(world["home"])
        if role in endpoint.readers:
            # The control: its own area opens (a subdistrict's token: not the district).
            assert client.get(own[0], **auth).status_code == 200, (role, name, own[0])
        for area in world["foreign"][role]:
            for foreign_url in endpoint.urls(area):
                before = fingerprint()
                assert client.get(foreign_url, **auth).status_code == 404, (role, name)
                response = client.post(foreign_url, endpoint.post(area), **auth)
                assert response.status_code in (404, 405), (role, name, foreign_url)
                assert fingerprint() == before, (role, name, foreign_url)
                tried += 2
    assert tried >= 12


# --- leaders are read-only everywhere


def test_leaders_write_nothing_anywhere(client, world):
    leader = world["users"][LEADER]
    client.force_login(leader)
    home = world["home"]
    before = fingerprint()
    posted = 0
    for name, endpoint in URLS.items():
        if endpoint.account:
            continue
        targets = endpoint.urls(home) if endpoint.urls else [url(name)]
        for target in targets:
            response = client.post(target, endpoint.post(home))
            if endpoint.writes:
                assert response.status_code in (401, 403, 404, 405), (name, target)
            posted += 1
    upload = SimpleUploadedFile(
        "x.csv",
        f"{HEADER}\n{DAY},{home.site.code},,first,1\n".encode(),
    )
    assert client.post(url("sites:import_index"), {"file": upload}).status_code == 404
    for name, sample in every_url():
        if name is None or name.startswith(ADMIN_NAMESPACE):
            response = client.post(sample, {"name": "x", "is_superuser": "on"})
            # Sent to the admin's login (which shows its form again); the logout last.
            expected = (200,) if name == "admin:login" else (302, 404)
            assert response.status_code in expected, sample
            posted += 1
    assert fingerprint() == before
    leader.refresh_from_db()
    assert not leader.is_staff
    assert not leader.is_superuser
    assert posted > 100


# --- the admin: a subdistrict's non-superuser administrator cannot raise themselves


@pytest.fixture
def subdistrict_admin(world):
    """Staff status and every permission there is, but not a superuser."""
    user = world["home"].clerk
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    return user


def test_a_non_superuser_admin_cannot_raise_their_own_permissions(client, world, subdistrict_admin):
    user = subdistrict_admin
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    scope = user.staff_scope

    change_self = reverse("admin:auth_user_change", args=[user.pk])
    attempts = [
        (
            change_self,
            {
                "username": user.username,
                "is_active": "on",
                "is_staff": "on",
                "is_superuser": "on",
                "date_joined_0": "2021-06-30",
                "date_joined_1": "08:00:00",
            },
        ),
        (
            reverse("admin:auth_user_add"),
            {"username": "backdoor", "password1": "x" * 20, "password2": "x" * 20},
        ),
        (reverse("admin:auth_group_add"), {"name": "all", "permissions": ["1", "2", "3"]}),
        (
            reverse("admin:campaign_staffscope_change", args=[scope.pk]),
            {"user": user.pk, "role": StaffScope.Role.ADMINISTRATOR},
        ),
        (
            reverse("admin:campaign_staffscope_add"),
            {"user": user.pk, "role": StaffScope.Role.ADMINISTRATOR},
        ),
        (
            reverse("admin:auth_user_password_change", args=[world["users"][LEADER].pk]),
            {"password1": "y" * 20, "password2": "y" * 20},
        ),
    ]
    for target, data in attempts:
        assert client.get(target).status_code == 403, target
        assert client.post(target, data).status_code == 403, target

    user.refresh_from_db()
    scope.refresh_from_db()
    assert not user.is_superuser
    assert scope.role == StaffScope.Role.SUBDISTRICT_STAFF
    assert not Group.objects.exists()
    assert not type(user).objects.filter(username="backdoor").exists()
    assert world["users"][LEADER].check_password("correct-horse-battery")
    # The account pages are not even offered.
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:auth_user_changelist") not in index
    assert reverse("admin:campaign_staffscope_changelist") not in index


def test_a_superuser_still_manages_accounts_and_scopes(client, world, administrator):
    client.force_login(administrator)
    for name in ["auth_user_changelist", "auth_group_changelist", "campaign_staffscope_changelist"]:
        assert client.get(reverse(f"admin:{name}")).status_code == 200
