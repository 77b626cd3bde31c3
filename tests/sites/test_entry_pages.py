"""The entry pages: scope on every URL, a grid that names bad cells, conflicts shown."""

import datetime
import re

import pytest
from django.urls import reverse

from sites.models import DailyTally
from tests.factories import (
    CommitteeFactory,
    DailyTallyFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
)
from tests.sites.conftest import TODAY, YESTERDAY

pytestmark = pytest.mark.django_db

ROLES = ["administrator", "district_leader", "subdistrict_staff", "committee_staff", None]


@pytest.fixture
def far_site():
    """A site in another district: outside every scope but the administrator's."""
    far = SubdistrictFactory(district=DistrictFactory(name="二七区"), name="五里堡街道")
    CommitteeFactory(subdistrict=far)
    return SiteFactory(subdistrict=far, name="五里堡卫生服务中心")


def as_user(client, request, role):
    if role:
        client.force_login(request.getfixturevalue(role))
    return client


def grid_url(site, on=TODAY):
    return reverse("sites:entry", args=[site.pk, on.isoformat()])


def field(committee, dose="first"):
    return f"count-{committee.pk if committee else 'nr'}-{dose}"


# Expected status for (role) on a site inside / outside the role's scope.
READ_GRID = {
    "administrator": (200, 200),
    "district_leader": (404, 404),  # leaders read the board and the ranking, never the grid
    "subdistrict_staff": (200, 404),
    "committee_staff": (200, 404),
    None: (302, 302),
}
READ_HISTORY = {**READ_GRID, "district_leader": (200, 404)}


@pytest.mark.parametrize("role", ROLES)
def test_scope_matrix_for_grid_and_history(client, request, role, site, far_site, committee):
    as_user(client, request, role)
    for place, target in enumerate([site, far_site]):
        assert client.get(grid_url(target)).status_code == READ_GRID[role][place], target
        history = reverse("sites:history", args=[target.pk, TODAY.isoformat()])
        assert client.get(history).status_code == READ_HISTORY[role][place], target


@pytest.mark.parametrize("role", ROLES)
def test_refused_writes_change_nothing(client, request, role, site, far_site, committee):
    as_user(client, request, role)
    for place, target in enumerate([site, far_site]):
        allowed = READ_GRID[role][place] == 200
        response = client.post(grid_url(target), {field(None): "5", field(committee): "1"})
        if not allowed:
            assert response.status_code in (302, 404)
            assert not DailyTally.objects.filter(site=target).exists()
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("administrator", 200),
        ("district_leader", 404),
        ("subdistrict_staff", 200),
        ("committee_staff", 200),
        (None, 302),
    ],
)
def test_entry_index_is_for_those_who_enter(client, request, role, status, site):
    as_user(client, request, role)
    assert client.get(reverse("sites:entry_index")).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("administrator", 200),
        ("district_leader", 200),
        ("subdistrict_staff", 200),
        ("committee_staff", 200),
        (None, 302),
    ],
)
def test_board_is_for_every_scope(client, request, role, status, site):
    as_user(client, request, role)
    assert client.get(reverse("sites:board")).status_code == status


def test_grid_shows_committees_non_residents_and_stored_values(
    client, subdistrict_staff, site, committee, neighbour
):
    DailyTallyFactory(site=site, committee=committee, date=TODAY, count=17)
    client.force_login(subdistrict_staff)
    page = client.get(grid_url(site)).content.decode()
    assert "万里雅筑居民区" in page
    assert "中浩云居民区" in page
    assert "非本街道居民" in page
    assert 'value="17"' in page
    assert 'inputmode="numeric"' in page


def test_committee_staff_grid_has_only_their_row(client, committee_staff, site, neighbour):
    client.force_login(committee_staff)
    page = client.get(grid_url(site)).content.decode()
    assert "万里雅筑居民区" in page
    assert "中浩云居民区" not in page
    assert "非本街道居民" not in page


def test_saving_the_grid_stores_values_and_says_so(client, subdistrict_staff, site, committee):
    client.force_login(subdistrict_staff)
    response = client.post(
        grid_url(site),
        {field(committee): "１２", field(committee, "second"): "3", field(None): ""},
        follow=True,
    )
    assert "已保存：新增 2 格" in response.content.decode()
    assert sorted(DailyTally.objects.values_list("dose_kind", "count")) == [
        ("first", 12),
        ("second", 3),
    ]


def test_a_bad_cell_is_named_nothing_is_saved_and_typed_values_stay(
    client, subdistrict_staff, site, committee, neighbour
):
    client.force_login(subdistrict_staff)
    response = client.post(grid_url(site), {field(committee): "-3", field(neighbour): "25"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "未保存" in page
    assert "万里雅筑居民区 · 第一剂：接种数不能为负数" in page
    assert 'value="25"' in page
    assert 'value="-3"' in page
    assert not DailyTally.objects.exists()


def test_text_in_a_cell_is_refused(client, subdistrict_staff, site, committee):
    client.force_login(subdistrict_staff)
    page = client.post(grid_url(site), {field(committee): "十二"}).content.decode()
    assert "请填写整数" in page
    assert not DailyTally.objects.exists()


def test_a_past_day_asks_for_a_reason_and_shows_the_cell_history(
    client, subdistrict_staff, site, committee
):
    client.force_login(subdistrict_staff)
    client.post(grid_url(site, YESTERDAY), {field(committee): "12"})
    tally = DailyTally.objects.get()
    page = client.get(grid_url(site, YESTERDAY)).content.decode()
    assert "更正原因" in page
    data = {field(committee): "15", f"version-{committee.pk}-first": tally.version}
    page = client.post(grid_url(site, YESTERDAY), data).content.decode()
    assert "需要填写原因" in page
    client.post(grid_url(site, YESTERDAY), {**data, "reason": "台账核对"})
    page = client.get(grid_url(site, YESTERDAY)).content.decode()
    assert "12 → 15" in page
    assert "台账核对" in page


def test_conflict_names_who_and_both_values_then_a_second_save_overwrites(
    client, subdistrict_staff, administrator, site, committee
):
    tally = DailyTallyFactory(site=site, committee=committee, date=TODAY, count=10)
    client.force_login(administrator)
    client.post(grid_url(site), {field(committee): "14", f"version-{committee.pk}-first": "1"})
    client.force_login(subdistrict_staff)
    stale = {field(committee): "16", f"version-{committee.pk}-first": "1"}
    page = client.post(grid_url(site), stale).content.decode()
    assert "其他人" in page
    assert "admin" in page
    assert "14" in page
    assert "16" in page
    tally.refresh_from_db()
    assert tally.count == 14
    page_versions = {field(committee): "16", f"version-{committee.pk}-first": "2"}
    client.post(grid_url(site), page_versions)
    tally.refresh_from_db()
    assert tally.count == 16


def test_over_capacity_asks_for_confirmation(client, subdistrict_staff, site, committee):
    client.force_login(subdistrict_staff)
    page = client.post(grid_url(site), {field(committee): "400"}).content.decode()
    assert "当天合计将为 400 剂次，超过该接种点日接种能力 300。尚未保存。" in page
    assert not DailyTally.objects.exists()
    client.post(grid_url(site), {field(committee): "400", "capacity_confirmed": "on"})
    assert DailyTally.objects.get().count == 400


def test_nobody_came_button_reports_zero_and_the_board_drops_the_site(
    client, subdistrict_staff, site
):
    client.force_login(subdistrict_staff)
    assert "上海西站临时接种点" in client.get(reverse("sites:board")).content.decode()
    client.post(grid_url(site), {"report_zero": "1"})
    assert DailyTally.objects.get().count == 0
    fragment = client.get(reverse("sites:board") + "?fragment=1").content.decode()
    assert "上海西站临时接种点" not in fragment
    assert "所有开放的接种点都已上报" in fragment


def test_board_lists_open_unreported_sites_with_kind_hours_and_last_report(
    client, district_leader, site, subdistrict
):
    DailyTallyFactory(site=site, committee=None, date=YESTERDAY, count=3)
    closed = SiteFactory(
        subdistrict=subdistrict,
        name="岚灵花鸟市场临时接种点",
        active_from=YESTERDAY,
        active_to=YESTERDAY,
    )
    client.force_login(district_leader)
    page = client.get(reverse("sites:board")).content.decode()
    assert "上海西站临时接种点" in page
    assert "临时接种点" in page
    assert "最近上报 06-29 的数据" in page
    assert closed.name not in page


def test_board_query_count_does_not_grow_with_sites(
    client, district_leader, subdistrict, django_assert_max_num_queries
):
    client.force_login(district_leader)
    SiteFactory(subdistrict=subdistrict)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("sites:board"))
    for _ in range(20):
        SiteFactory(subdistrict=subdistrict)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("sites:board"))


def test_entry_index_lists_sites_still_to_report_first(
    client, subdistrict_staff, site, subdistrict
):
    reported = SiteFactory(subdistrict=subdistrict, code="AAA", name="东片区固定接种点")
    DailyTallyFactory(site=reported, committee=None, date=TODAY, count=12)
    client.force_login(subdistrict_staff)
    html = client.get(reverse("sites:entry_index")).content.decode()
    assert html.index("上海西站临时接种点") < html.index("东片区固定接种点")
    assert "已上报：12 剂次" in html


def test_the_site_list_shows_sites_not_open_that_day_last_with_the_grids_reason(
    client, subdistrict_staff, site, subdistrict
):
    """A site closed that day is on the list, after the open ones, marked 当日未开放 by
    the rule that makes its grid read-only, with the days it is open; its grid is not
    kept for offline use."""
    ended = SiteFactory(
        subdistrict=subdistrict,
        code="AAA-1",
        name="岚灵花鸟市场临时接种点",
        kind="temporary",
        active_from=datetime.date(2021, 6, 7),
        active_to=YESTERDAY,
    )
    DailyTallyFactory(site=ended, committee=None, date=YESTERDAY, count=12)
    coming = SiteFactory(
        subdistrict=subdistrict,
        code="AAA-2",
        name="真如文化中心临时接种点",
        active_from=TODAY + datetime.timedelta(days=1),
    )
    client.force_login(subdistrict_staff)
    response = client.get(reverse("sites:entry_index"))
    html = response.content.decode()
    assert "2021-06-30 的接种点" in html
    assert html.index(site.name) < html.index(ended.name)
    assert html.index(site.name) < html.index(coming.name)
    items = re.findall(r"<li[^>]*>.*?</li>", html, flags=re.DOTALL)
    marked = {item for item in items if "当日未开放" in item}
    assert len(marked) == 2
    (ended_item,) = [item for item in marked if ended.name in item]
    (coming_item,) = [item for item in marked if coming.name in item]
    assert "开放 2021-06-07 至 2021-06-29" in ended_item
    assert "2021-07-01 起开放" in coming_item
    assert f'href="{grid_url(ended)}"' in ended_item  # its grid opens read-only, and says why
    assert "当日未开放" not in next(item for item in items if site.name in item)
    assert "未上报" in next(item for item in items if site.name in item)
    # The same rule, the same day: the grid of the ended site is read-only with its reason.
    grid = client.get(grid_url(ended)).content.decode()
    assert "岚灵花鸟市场临时接种点 在 2021-06-30 当天未开放。" in grid
    assert "只读" in grid
    offline = response.context["offline_pages"]
    assert grid_url(site) in offline
    assert grid_url(ended) not in offline
    assert grid_url(coming) not in offline

    # The day before, the ended site is open and reported.
    html = client.get(reverse("sites:entry_index") + "?date=2021-06-29").content.decode()
    items = re.findall(r"<li[^>]*>.*?</li>", html, flags=re.DOTALL)
    ended_item = next(item for item in items if ended.name in item)
    assert "当日未开放" not in ended_item
    assert "已上报：12 剂次" in ended_item


def test_the_site_list_query_count_does_not_grow_with_sites_open_or_closed(
    client, subdistrict_staff, subdistrict, django_assert_max_num_queries
):
    def sites(number):
        for _ in range(number):
            SiteFactory(subdistrict=subdistrict)
            SiteFactory(subdistrict=subdistrict, active_to=YESTERDAY)
            SiteFactory(subdistrict=subdistrict, active_from=TODAY + datetime.timedelta(days=1))

    client.force_login(subdistrict_staff)
    sites(1)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("sites:entry_index"))
    sites(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("sites:entry_index")).content.decode()
    assert html.count("当日未开放") == 42


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("administrator", True),
        ("subdistrict_staff", True),
        ("committee_staff", True),
        ("district_leader", False),  # leaders read the board but never open a grid
    ],
)
def test_each_silent_site_links_to_its_grid_for_those_who_may_enter_it(
    client, request, role, links, site, committee
):
    as_user(client, request, role)
    page = client.get(reverse("sites:board")).content.decode()
    assert "上海西站临时接种点" in page
    assert (f'href="{grid_url(site)}"' in page) == links
    if links:
        assert client.get(grid_url(site)).status_code == 200


def test_the_board_shows_who_to_call_at_each_silent_site(client, district_leader, site):
    site.contact_name, site.contact_phone = "李护士", "021-6200 0002"
    site.save()
    silent = SiteFactory(subdistrict=site.subdistrict, name="无人登记接种点", active_from=TODAY)
    client.force_login(district_leader)
    fragment = client.get(reverse("sites:board") + "?fragment=1").content.decode()
    items = {
        name: item
        for item in fragment.split("<li")[1:]
        for name in [site.name, silent.name]
        if name in item
    }
    assert "李护士" in items[site.name]
    assert 'href="tel:021-6200%200002"' in items[site.name]
    assert "该接种点尚未登记联系人" in items[silent.name]


def test_a_hostile_contact_reaches_the_board_as_text(client, district_leader, site):
    site.contact_name, site.contact_phone = "<script>alert(1)</script>", "javascript:alert(1)"
    site.save()
    client.force_login(district_leader)
    fragment = client.get(reverse("sites:board") + "?fragment=1").content.decode()
    assert "<script>alert(1)</script>" not in fragment
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment
    assert 'href="tel:javascript%3Aalert%281%29"' in fragment  # a number to dial, nothing else
