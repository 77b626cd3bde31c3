"""No query per committee anywhere: every page of the URL configuration, for every role,
and every job run the same number of queries with 30 committees as with 300.

The pages are found in the URL configuration itself, so a new page is walked (or the test
fails and asks for it to be listed) without anybody remembering this file. A pattern that
needs ids gets them from ``ARGUMENTS``, built from the data; one that shows no data says
why in ``NOT_WALKED``.

The data grows in place from the small size to the large one: ten times the committees,
about three times the subdistricts, three times the sites per subdistrict, ten times the
tallies, targets, history rows and snapshot rows; the same days, users and kinds of rows.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.admindocs.views import extract_views_from_urlpatterns
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from campaign.areas import Area
from campaign.models import Building, Committee, District, StaffScope, Subdistrict, Target
from campaign.services import building_count_record, building_create
from reports.builders import snapshots_build_date
from reports.models import Bulletin, QualityFlag, StaleDate
from reports.services.bulletins import bulletin_publish
from reports.services.milestones import milestone_note_create
from reports.services.snapshots import snapshots_rebuild, snapshots_rebuild_stale
from reports.tasks import snapshots_rebuild as snapshots_rebuild_task
from reports.tasks import snapshots_rebuild_stale as snapshots_rebuild_stale_task
from robots.models import Robot
from robots.services import robot_sweep
from sites.models import DailyTally, Site, TallyImport
from sites.services.imports import tally_import_check, tally_import_run
from sites.services.plans import PlanCell, mobile_visit_record, site_plans_set
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CampaignFactory, StaffScopeFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2021, 6, 30)
DAYS = [TODAY - datetime.timedelta(days=n) for n in range(3, -1, -1)]
DOSES = ["first", "second", "booster"]


@dataclass(frozen=True)
class Size:
    subdistricts_per_district: int
    committees_per_subdistrict: int
    sites_per_subdistrict: int

    @property
    def committees(self) -> int:
        return 2 * self.subdistricts_per_district * self.committees_per_subdistrict


SMALL = Size(subdistricts_per_district=3, committees_per_subdistrict=5, sites_per_subdistrict=1)
LARGE = Size(subdistricts_per_district=10, committees_per_subdistrict=15, sites_per_subdistrict=3)


# Patterns that show no data, or are not a page to open with GET, and why.
NOT_WALKED = {
    "health": "the load balancers' probe: no data",
    "service_worker": "a script for the browser: no data",
    "web_manifest": "the web app's name and icons: no data",
    "login": "no user yet",
    "logout": "POST only, no data",
    "set_language": "sets a cookie and redirects",
    "password_change_done": "a fixed sentence",
    "sites:import_confirm": "POST only: the import job it starts is walked below",
    "admin:login": "no user yet",
    "admin:logout": "POST only, no data",
    "admin:password_change_done": "a fixed sentence",
    "admin:jsi18n": "the admin's translated strings, no data",
    "admin:view_on_site": "a redirect to the object's own page",
    "sites:visit_delete": "POST only: deletes a mobile visit",
    "reports:bulletin_publish": "POST only: publishes the bulletin the preview shows",
    "reports:milestone_note_add": "POST only: adds a note to the timeline",
    "reports:quality_verify": "POST only: closes a data-quality flag",
    "sites:import_discard": "POST only: discards a checked import",
    "password_set": "a new account's one-time link: no campaign data",
    "admin:campaign_committee_process_import": "POST only, after the import form",
    "admin:campaign_target_process_import": "POST only, after the import form",
    "admin:sites_site_process_import": "POST only, after the import form",
    "admin:auth_user_process_import": "POST only, after the import form",
    "admin:campaign_campaign_process_import": "POST only, after the import form",
    "admin:campaign_district_process_import": "POST only, after the import form",
    "admin:campaign_subdistrict_process_import": "POST only, after the import form",
    "admin:auth_user_import_template": "a fixed file: the headers and one fake row",
    "admin:campaign_campaign_import_template": "a fixed file: the headers and one fake row",
    "admin:campaign_committee_import_template": "a fixed file: the headers and one fake row",
    "admin:campaign_district_import_template": "a fixed file: the headers and one fake row",
    "admin:campaign_subdistrict_import_template": "a fixed file: the headers and one fake row",
    "admin:campaign_target_import_template": "a fixed file: the headers and one fake row",
    "admin:sites_site_import_template": "a fixed file: the headers and one fake row",
    # The HTTP API answers to a token, not to these logins: test_api_query_counts.py walks
    # it with tokens, and the token admin's pages of one token.
    "api:tallies": "POST only, with a token: test_api_query_counts.py",
    "api:import": "a token's: test_api_query_counts.py",
    "api:areas": "a token's: test_api_query_counts.py",
    "api:sites": "a token's: test_api_query_counts.py",
    "api:ranking": "a token's: test_api_query_counts.py",
    "api:targets": "a token's: test_api_query_counts.py",
    "api:summary": "a token's: test_api_query_counts.py",
    "api:schema": "the API's description: no data",
    "api:docs": "the API's docs page: no data",
    "admin:api_apitoken_change": "no token in this world: test_api_query_counts.py",
    "admin:api_apitoken_delete": "no token in this world (and tokens are revoked, not deleted)",
    "admin:api_apitoken_history": "no token in this world: test_api_query_counts.py",
}
# The admin pages of every registered model, per kind of pattern, by their name's ending.
ADMIN_KINDS = ("_changelist", "_add", "_change", "_delete", "_history", "_import", "_export")


def _admin_model(name: str):
    """The registered model an admin pattern name (``admin:app_model_kind``) is about."""
    for model in admin.site._registry:
        stem = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(stem):
            return model, name.removeprefix(stem)
    return None, None


@dataclass
class World:
    campaign: object
    districts: list
    users: dict


def _grow(world: World, size: Size) -> None:
    """Add what ``size`` has and the data does not yet: areas, sites, targets (one per
    district, subdistrict and committee), the days' tallies, snapshots."""
    campaign = world.campaign
    sites, committees = [], []
    for d, district in enumerate(world.districts):
        for s in range(size.subdistricts_per_district):
            subdistrict, _created = Subdistrict.objects.get_or_create(
                code=f"S{d}-{s:02d}",
                defaults={
                    "district": district,
                    "name": f"第{d}-{s}街道",
                    "eligible_population": 80_000,
                },
            )
            for c in range(size.committees_per_subdistrict):
                committee, created = Committee.objects.get_or_create(
                    code=f"C{d}-{s:02d}-{c:02d}",
                    defaults={
                        "subdistrict": subdistrict,
                        "name": f"第{d}-{s}-{c}居民区",
                        "eligible_population": 2_000 + 37 * c,
                    },
                )
                committees.append(committee)
                if created:
                    Target.objects.create(
                        campaign=campaign,
                        name=f"{committee.code} 6月",
                        committee=committee,
                        period_start=datetime.date(2021, 6, 1),
                        period_end=TODAY,
                        metric=Target.Metric.FIRST,
                        value=300,
                    )
            for n in range(size.sites_per_subdistrict):
                site, _created = Site.objects.get_or_create(
                    code=f"P{d}-{s:02d}-{n}",
                    defaults={
                        "subdistrict": subdistrict,
                        "name": f"第{d}-{s}-{n}接种点",
                        "kind": Site.Kind.FIXED,
                        "stations": 4,
                        "daily_capacity": 5_000,
                        "active_from": campaign.start_date,
                    },
                )
                sites.append(site)
            Target.objects.get_or_create(
                campaign=campaign,
                name=f"{subdistrict.code} 6月",
                defaults={
                    "subdistrict": subdistrict,
                    "period_start": datetime.date(2021, 6, 1),
                    "period_end": TODAY,
                    "metric": Target.Metric.ALL_DOSES,
                    "value": 5_000,
                },
            )
        Target.objects.get_or_create(
            campaign=campaign,
            name=f"{district.code} 6月",
            defaults={
                "district": district,
                "period_start": datetime.date(2021, 6, 1),
                "period_end": TODAY,
                "metric": Target.Metric.FULL_COURSE,
                "value": 20_000,
            },
        )
    by_subdistrict = {
        key: list(group)
        for key, group in itertools.groupby(
            sorted(committees, key=lambda c: (c.subdistrict_id, c.code)),
            key=lambda c: c.subdistrict_id,
        )
    }
    DailyTally.objects.bulk_create(
        [
            DailyTally(
                date=day,
                site=site,
                committee=committee,
                dose_kind=dose,
                count=(i + j + 3 * k) % 11,
                source=DailyTally.Source.IMPORT,
            )
            for site in sites
            for i, committee in enumerate([*by_subdistrict[site.subdistrict_id], None])
            for j, day in enumerate(DAYS[:-1])  # today is left for the grid and the file
            for k, dose in enumerate(DOSES[:2])
        ],
        ignore_conflicts=True,
    )
    # Today's grid of the staff's first site, saved through the form's service: every
    # committee of the subdistrict gets history rows.
    staff = world.users["subdistrict_staff"]
    first_site = Site.objects.filter(subdistrict=staff.staff_scope.subdistrict).order_by("code")[0]
    stored = {
        (t.committee_id, t.dose_kind): t.version
        for t in DailyTally.objects.filter(site=first_site, date=TODAY)
    }
    record_tallies(
        user=staff,
        cells=[
            TallyCell(
                date=TODAY,
                site_id=first_site.pk,
                committee_id=committee.pk if committee else None,
                dose_kind=dose,
                count=size.committees_per_subdistrict + i,
                seen_version=stored.get((committee.pk if committee else None, dose)),
            )
            for i, committee in enumerate([*by_subdistrict[first_site.subdistrict_id], None])
            for dose in DOSES[:2]
        ],
    )
    _import(staff, first_site, rows=3, count=size.committees_per_subdistrict)
    snapshots_rebuild(start=campaign.start_date)
    _grow_the_rest(world, size, committees, sites)


def _grow_the_rest(world: World, size: Size, committees: list, sites: list) -> None:
    """One building per committee with a count, a plan per site, a mobile team's visit, a
    bulletin and a timeline note of the staff's subdistrict, and login records: every
    registered model has rows, and more of them at the larger size."""
    staff = world.users["subdistrict_staff"]
    subdistrict = staff.staff_scope.subdistrict
    for committee in committees:
        if not Building.objects.filter(committee=committee).exists():
            building = building_create(
                committee=committee, name=f"{committee.code}-1号楼", residents=300
            )
            building_count_record(building=building, on=TODAY, vaccinated=120, user=staff)
    site_plans_set(
        user=world.users["administrator"],
        cells=[PlanCell(site_id=site.pk, date=TODAY, planned_doses=100) for site in sites],
    )
    team, _created = Site.objects.get_or_create(
        code=f"Z-{subdistrict.code}",  # after the fixed sites in code order
        defaults={
            "subdistrict": subdistrict,
            "name": "流动接种队",
            "kind": Site.Kind.MOBILE,
            "stations": 1,
            "daily_capacity": 500,
            "active_from": world.campaign.start_date,
        },
    )
    first = Committee.objects.filter(subdistrict=subdistrict).order_by("code")[0]
    mobile_visit_record(
        user=staff, site=team, on=TODAY, committee=first, doses=size.committees_per_subdistrict
    )
    day = DAYS[-3] if size == SMALL else DAYS[-2]  # one bulletin more at the larger size
    bulletin_publish(user=staff, subdistrict=subdistrict, on=day, unreported_confirmed=True)
    milestone_note_create(
        user=staff,
        area=Area(subdistrict),
        on=TODAY,
        text=f"{size.committees} 个居委",
    )
    # A group robot of the subdistrict with an evening reminder (and, at the larger size, a
    # district's one without), and what the robots' sweep posts: the reminder, the
    # bulletins. The job count below then finds all of it posted, at both sizes.
    Robot.objects.get_or_create(
        name=f"robot-{size.committees}",
        defaults={
            "platform": Robot.Platform.WECOM,
            "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            **(
                {"subdistrict": subdistrict, "remind_at": datetime.time(0, 0)}
                if size == SMALL
                else {"district": subdistrict.district}
            ),
        },
    )
    robot_sweep()
    for n in range(size.committees // 30):
        fields = {
            "user_agent": "bench",
            "ip_address": "127.0.0.1",
            "username": f"x{size.committees}-{n}",
            "http_accept": "*/*",
            "path_info": "/accounts/login/",
        }
        AccessFailureLog.objects.create(**fields)
        AccessAttempt.objects.create(**fields, get_data="", post_data="", failures_since_start=1)


def _import(user, site, *, rows: int, count: int) -> TallyImport:
    """A small tally file of ``rows`` booster rows for today, checked and imported."""
    committees = Committee.objects.filter(subdistrict=site.subdistrict).order_by("code")[:rows]
    lines = ["接种日期,接种点编码,居委编码,剂次,接种数"]
    lines += [f"{TODAY},{site.code},{c.code},加强针,{count}" for c in committees]
    content = ("\n".join(lines) + "\n").encode()
    log = tally_import_check(user=user, file_name=f"boosters-{count}.csv", content=content)
    assert log.status == TallyImport.Status.CHECKED, log.errors
    return tally_import_run(log=log)


@pytest.fixture
def world(settings):
    settings.STREETVAX_DEMO_DATE = TODAY
    campaign = CampaignFactory(start_date=DAYS[0], end_date=TODAY)
    districts = [
        District.objects.create(code=f"D{d}", name=f"第{d}区", eligible_population=900_000)
        for d in range(2)
    ]
    first = Subdistrict.objects.create(
        code="S0-00", district=districts[0], name="第0-0街道", eligible_population=80_000
    )
    committee = Committee.objects.create(
        code="C0-00-00", subdistrict=first, name="第0-0-0居民区", eligible_population=2_000
    )
    Group.objects.create(name="街道录入员")  # so the admin's group pages have one to show
    users = {}
    for role, area in [
        (StaffScope.Role.ADMINISTRATOR, {}),
        (StaffScope.Role.DISTRICT_LEADER, {"district": districts[0]}),
        (StaffScope.Role.SUBDISTRICT_STAFF, {"subdistrict": first}),
        (StaffScope.Role.COMMITTEE_STAFF, {"committee": committee}),
    ]:
        admin_flags = {"is_staff": True, "is_superuser": True} if not area else {}
        user = UserFactory(username=role.value, **admin_flags)
        StaffScopeFactory(user=user, role=role, **area)
        users[role.value] = user
    return World(campaign=campaign, districts=districts, users=users)


def _arguments(world: World) -> dict:
    """Ids for the patterns that need them, from the data: the first of each kind in the
    users' areas, so every role may open most of them."""
    staff = world.users["subdistrict_staff"]
    site = Site.objects.filter(subdistrict=staff.staff_scope.subdistrict).order_by("code")[0]
    committee = world.users["committee_staff"].staff_scope.committee
    last_import = TallyImport.objects.order_by("-pk")[0]
    return {
        "sites:entry": [site.pk, TODAY.isoformat()],
        "sites:history": [site.pk, TODAY.isoformat()],
        "reports:committee": [committee.pk],
        "sites:import_detail": [last_import.pk],
        "reports:second_dose_committee": [committee.pk],
        "campaign:building_committee": [committee.pk],
        "campaign:building": [Building.objects.filter(committee=committee).get().pk],
        "reports:bulletin": [Bulletin.objects.order_by("-pk")[0].pk],
        "reports:bulletin_png": [Bulletin.objects.order_by("-pk")[0].pk],
        "reports:bulletin_xlsx": [Bulletin.objects.order_by("-pk")[0].pk],
    }


def _variants(name: str, world: World) -> list[dict]:
    """Query strings that change what a page reads."""
    district_area = f"district:{world.districts[0].pk}"
    match name:
        case "reports:ranking":
            sorts = [{"sort": "target_percent"}, {"sort": "doses_today"}]
            # A district's subdistricts ranked; a later page of a search.
            levels = [{"area": district_area, "by": "subdistrict"}]
            pages = [{"area": district_area, "q": "C", "page": "2"}]
            return [{}, *sorts, {"area": district_area}, *levels, *pages]
        case "reports:export_ranking":
            return [{"format": "csv"}, {"format": "xlsx", "area": district_area}]
        case "reports:export_tallies" | "reports:export_targets":
            return [{"format": "csv"}, {"format": "xlsx"}]
        case "admin:autocomplete":
            return [
                {"app_label": "sites", "model_name": "dailytally", "field_name": "committee"},
                {"app_label": "sites", "model_name": "site", "field_name": "subdistrict"},
                {"app_label": "campaign", "model_name": "target", "field_name": "committee"},
            ]
        case "sites:board":
            return [{}, {"fragment": "1"}]
        case "reports:targets":
            target = Target.objects.filter(subdistrict__isnull=False).order_by("pk")[0]
            return [{}, {"target": str(target.pk)}]
    return [{}]


def _walked_urls(world: World) -> list[tuple[str, str, dict]]:
    """Every pattern of the URL configuration as (name, URL, query), or a failure naming
    the patterns that are neither walked nor listed in NOT_WALKED."""
    arguments = _arguments(world)
    urls, unknown = [], []
    for _view, _regex, namespaces, pattern_name in extract_views_from_urlpatterns(
        get_resolver().url_patterns
    ):
        if not pattern_name:  # the admin's unnamed redirects to an object's change page
            continue
        name = ":".join([*(namespaces or []), pattern_name])
        if name in NOT_WALKED:
            continue
        model, kind = _admin_model(name)
        if model is not None and f"_{kind}".endswith(ADMIN_KINDS):
            first = model._default_manager.order_by("pk").first()
            args = [] if kind in ("changelist", "add", "import", "export") else [first and first.pk]
            if kind == "simple_history":  # one history row of an object
                row = model.history.order_by("history_id").first()
                args = [row and getattr(row, model._meta.pk.attname), row and row.history_id]
            if None in args:
                unknown.append(f"{name} (the data has no {model._meta.label} to open)")
                continue
            urls.append((name, reverse(name, args=args), {}))
        elif name == "admin:app_list":
            urls += [
                (name, reverse(name, args=[app]), {})
                for app in sorted({model._meta.app_label for model in admin.site._registry})
            ]
        elif name in arguments or not _needs_arguments(name):
            url = reverse(name, args=arguments.get(name, []))
            urls += [(name, url, query) for query in _variants(name, world)]
        else:
            unknown.append(name)
    assert not unknown, (
        "walk these pages too (ARGUMENTS, rows in the world) or say why not (NOT_WALKED): "
        f"{unknown}"
    )
    return urls


def _needs_arguments(name: str) -> bool:
    try:
        reverse(name)
    except Exception:
        return True
    return False


def _queries(work) -> int:
    """The statements ``work`` runs. A bulk insert that the database's parameter limit
    splits into batches (SQLite: 999) counts once: consecutive INSERTs into one table."""
    with CaptureQueriesContext(connection) as captured:
        work()
    count, last_insert = 0, None
    for query in captured.captured_queries:
        sql = query["sql"]
        insert = sql.split("(", 1)[0] if sql.startswith("INSERT INTO") else None
        if insert is None or insert != last_insert:
            count += 1
        last_insert = insert
    return count


def _page_counts(client, world: World) -> dict:
    """(role, pattern, which URL of it, query) → (queries, status code)."""
    counts = {}
    for role, user in world.users.items():
        client.force_login(user)
        seen = {}
        for name, url, query in _walked_urls(world):
            if name.startswith("admin:") and role != "administrator":
                continue  # the admin answers everybody else with its login page
            seen[name] = seen.get(name, -1) + 1
            ContentType.objects.clear_cache()  # each page pays for its own lookups,
            cache.clear()  # and its own cache misses (the stamp is kept for seconds)
            responses: list = []

            def get(url=url, query=query, responses=responses):
                responses.append(client.get(url, query))

            queries = _queries(get)
            status = responses[0].status_code
            assert status in (200, 302, 403, 404), (role, url, status)
            counts[(role, name, seen[name], tuple(sorted(query.items())))] = (queries, status)
    return counts


def _job_counts(client, world: World, size: Size) -> dict:
    staff = world.users["subdistrict_staff"]
    site = Site.objects.filter(subdistrict=staff.staff_scope.subdistrict).order_by("code")[0]
    counts = {
        "rebuild one date": _queries(lambda: snapshots_build_date(on=TODAY)),
        "rebuild from yesterday": _queries(lambda: snapshots_rebuild(start=DAYS[-2])),
        "nightly task": _queries(snapshots_rebuild_task),
    }
    StaleDate.objects.create(date=DAYS[-2], marked_at=datetime.datetime.now(datetime.UTC))
    counts["sweep"] = _queries(snapshots_rebuild_stale)
    StaleDate.objects.create(date=DAYS[-2], marked_at=datetime.datetime.now(datetime.UTC))
    counts["sweep task"] = _queries(snapshots_rebuild_stale_task)
    counts["robots' sweep"] = _queries(robot_sweep)
    second_site = Site.objects.filter(subdistrict=site.subdistrict).exclude(pk=site.pk)
    counts["import of a small file"] = _queries(
        lambda: _import(staff, site, rows=3, count=100 + size.committees_per_subdistrict)
    )
    # The entry grid's save: every cell of the grid typed, the real form POST.
    client.force_login(staff)
    grid = reverse("sites:entry", args=[site.pk, TODAY.isoformat()])
    form = client.get(grid).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data.update({name: "7" for name in form.fields if name.startswith("count-")})
    data["reason"] = ""

    def save():
        response = client.post(grid, data)
        assert response.status_code == 302, response.content.decode()[:2000]

    counts["entry grid save (every cell)"] = _queries(save)
    assert second_site.exists() or size == SMALL
    return counts


def test_every_page_and_job_runs_the_same_queries_at_30_and_300_committees(client, world):
    _grow(world, SMALL)
    assert Committee.objects.count() == SMALL.committees
    small_pages, small_jobs = _page_counts(client, world), _job_counts(client, world, SMALL)
    # Second doses from the campaign's first day: every committee has a data-quality flag.
    small_flags = QualityFlag.objects.filter(verified_at__isnull=True).count()

    _grow(world, LARGE)
    assert Committee.objects.count() == LARGE.committees
    assert Site.objects.count() == 2 * LARGE.subdistricts_per_district * 3 + 1  # + the team
    large_pages, large_jobs = _page_counts(client, world), _job_counts(client, world, LARGE)

    assert 0 < small_flags < QualityFlag.objects.filter(verified_at__isnull=True).count()

    walked = {key[1] for key in small_pages}
    assert {"home", "reports:ranking", "sites:entry", "admin:sites_dailytally_changelist"} <= walked
    grew = {key: (small_pages[key], large_pages[key]) for key in small_pages}
    grew = {key: pair for key, pair in grew.items() if pair[0] != pair[1]}
    assert not grew, f"query counts (or answers) changed with the data size: {grew}"
    assert small_jobs == large_jobs
