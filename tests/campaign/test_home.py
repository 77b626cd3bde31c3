"""The home page shows the user's scope and only the areas inside it."""

import datetime

import pytest
from django.urls import reverse

from campaign.access import committees_visible_to, staff_scope_for
from campaign.models import StaffScope
from campaign.selectors import campaign_day
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_areas(district):
    """A second subdistrict in the same district and one in another district."""
    neighbour = SubdistrictFactory(district=district, name="长风街道")
    CommitteeFactory(subdistrict=neighbour, name="长风一居")
    SiteFactory(subdistrict=neighbour, name="长风固定接种点")
    far = SubdistrictFactory(district=DistrictFactory(name="二七区"), name="五里堡街道")
    CommitteeFactory(subdistrict=far, name="五里堡社区")
    return neighbour, far


def home_page(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_subdistrict_staff_see_their_subdistrict_and_its_sites(
    client, subdistrict_staff, subdistrict, other_areas
):
    SiteFactory(subdistrict=subdistrict, name="上海西站临时接种点", kind="temporary")
    page = home_page(client, subdistrict_staff)
    assert "普陀区 · 万里街道" in page
    assert "上海西站临时接种点" in page
    assert "临时接种点" in page
    assert "长风" not in page
    assert "五里堡" not in page


def test_district_leader_sees_every_subdistrict_of_the_district_read_only(
    client, district_leader, subdistrict, other_areas
):
    page = home_page(client, district_leader)
    assert "区领导" in page
    assert "不能修改数据" in page
    assert "万里街道" in page
    assert "长风街道" in page
    assert "五里堡" not in page


def test_committee_staff_see_their_committee(client, committee_staff, other_areas):
    page = home_page(client, committee_staff)
    assert "万里街道 · 万里雅筑居民区" in page
    assert "只能录入本居委" in page
    assert "长风" not in page


def test_administrator_sees_everything_and_the_admin_link(client, administrator, other_areas):
    page = home_page(client, administrator)
    assert "全部区" in page
    assert "五里堡街道" in page
    assert reverse("admin:index") in page


def test_user_without_scope_is_told_to_ask_an_administrator(client, other_areas):
    page = home_page(client, UserFactory())
    assert "尚未分配权限范围" in page
    assert "五里堡" not in page


def test_committee_staff_see_only_their_own_committee(committee_staff, committee):
    CommitteeFactory(subdistrict=committee.subdistrict, name="中浩云居民区")
    scope = staff_scope_for(committee_staff)
    assert list(committees_visible_to(scope)) == [committee]


def test_superuser_without_scope_counts_as_administrator():
    user = UserFactory(is_superuser=True, is_staff=True)
    assert staff_scope_for(user).role == StaffScope.Role.ADMINISTRATOR


def test_home_page_query_count_does_not_grow_with_subdistricts(
    client, administrator, django_assert_max_num_queries
):
    client.force_login(administrator)
    for _ in range(3):
        SubdistrictFactory()
    with django_assert_max_num_queries(14) as few:  # 8, and the morning figures
        client.get(reverse("home"))
    for _ in range(30):
        CommitteeFactory(subdistrict=SubdistrictFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("home"))


def test_campaign_day_counts_from_one_on_the_start_date():
    CampaignFactory(start_date=datetime.date(2021, 1, 8), end_date=datetime.date(2021, 6, 30))
    first = campaign_day(on=datetime.date(2021, 1, 8))
    last = campaign_day(on=datetime.date(2021, 6, 30))
    assert (first.day, first.length, first.is_running) == (1, 174, True)
    assert (last.day, last.is_running) == (174, True)
    assert not campaign_day(on=datetime.date(2026, 11, 23)).is_running


def test_home_page_shows_the_campaign_day(client, subdistrict_staff, settings):
    CampaignFactory()
    settings.STREETVAX_DEMO_DATE = datetime.date(2021, 4, 29)
    page = home_page(client, subdistrict_staff)
    assert "第 112 天（共 174 天）" in page
