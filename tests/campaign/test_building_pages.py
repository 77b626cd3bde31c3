"""Golden shield pages: the committee list, the phone forms, the ranking page's count."""

import datetime

import pytest
from django.urls import reverse

from campaign.models import Building, BuildingCount
from campaign.services import building_count_record
from reports.services.snapshots import snapshots_rebuild
from tests.factories import (
    BuildingFactory,
    CampaignFactory,
    CommitteeFactory,
    DailyTallyFactory,
    SiteFactory,
    SubdistrictFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2021, 6, 30)


@pytest.fixture(autouse=True)
def campaign(settings):
    settings.STREETVAX_DEMO_DATE = TODAY
    return CampaignFactory()


@pytest.fixture
def buildings(committee):
    """3号楼 97 of 125 (77.6%, golden at 75%), 1号楼 103 of 140 (73.6%), 7号楼 not counted."""
    golden = BuildingFactory(committee=committee, name="3号楼", residents=125)
    building_count_record(building=golden, on=datetime.date(2021, 5, 6), vaccinated=88)
    building_count_record(building=golden, on=datetime.date(2021, 5, 13), vaccinated=97)
    near = BuildingFactory(committee=committee, name="1号楼", residents=140)
    building_count_record(building=near, on=datetime.date(2021, 6, 28), vaccinated=103)
    BuildingFactory(committee=committee, name="7号楼", residents=90)
    return {"golden": golden, "near": near}


def get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_committee_list_shows_coverage_and_the_golden_ones_first(
    client, committee_staff, committee, buildings
):
    html = get(client, committee_staff, reverse("campaign:building_committee", args=[committee.pk]))
    assert html.index("3号楼") < html.index("1号楼")
    assert "77.6%" in html
    assert "居民 125 人中已接种 97 人，05-13 统计" in html
    assert "73.6%" in html
    assert "居民 90 人，尚未统计" in html
    assert html.count("★ 金盾楼") == 1
    assert "达到 75% 的楼栋" in html
    assert "登记楼栋" in html


def test_leader_reads_without_forms(client, district_leader, committee, buildings):
    html = get(client, district_leader, reverse("campaign:building_committee", args=[committee.pk]))
    assert "77.6%" in html
    assert "登记楼栋" not in html
    html = get(client, district_leader, reverse("campaign:building", args=[buildings["golden"].pk]))
    assert "记录接种人数" not in html
    assert "更正楼栋信息" not in html
    assert "成为金盾楼的日期" in html
    assert "2021-05-13" in html


def test_register_a_building_from_the_phone_form(client, committee_staff, committee):
    client.force_login(committee_staff)
    url = reverse("campaign:building_committee", args=[committee.pk])
    response = client.post(url, {"name": " 9号楼 ", "residents": "１２０", "address": ""})
    building = Building.objects.get()
    assert response["Location"] == reverse("campaign:building", args=[building.pk])
    assert (building.name, building.residents, building.committee) == ("9号楼", 120, committee)
    html = client.get(response["Location"]).content.decode()
    assert "已登记 9号楼。" in html


def test_bad_building_input_is_refused_in_chinese_and_nothing_written(
    client, committee_staff, committee, buildings
):
    client.force_login(committee_staff)
    url = reverse("campaign:building_committee", args=[committee.pk])
    html = client.post(url, {"name": "3号楼", "residents": "80"}).content.decode()
    assert "该居委已有同名楼栋。" in html
    html = client.post(url, {"name": "8号楼", "residents": "0"}).content.decode()
    assert "确保该值大于或等于1" in html
    html = client.post(url, {"name": "8号楼", "residents": "很多"}).content.decode()
    assert "输入整数" in html
    assert 'value="很多"' in html  # what was typed stays
    assert Building.objects.count() == 3


def test_record_a_count_and_see_it_become_golden(client, subdistrict_staff, buildings):
    near = buildings["near"]
    client.force_login(subdistrict_staff)
    url = reverse("campaign:building", args=[near.pk])
    assert 'type="date" name="date" value="2021-06-30"' in client.get(url).content.decode()
    response = client.post(url, {"action": "count", "date": "2021-06-30", "vaccinated": "105"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "已记录 2021-06-30 已接种 105 人。" in html
    assert "★ 金盾楼" in html  # 105 / 140 = 75.0%
    assert "75.0%" in html
    count = BuildingCount.objects.get(building=near, date=TODAY)
    assert count.recorded_by == subdistrict_staff


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2021-06-30", "vaccinated": "141"}, "已接种 141 人，超过了该楼的 140 位居民。"),
        ({"date": "2021-07-01", "vaccinated": "10"}, "2021-07-01 是将来的日期"),
        ({"date": "2021-06-30", "vaccinated": "-3"}, "确保该值大于或等于0"),
        ({"date": "06/31", "vaccinated": "3"}, "输入一个有效的日期"),
    ],
)
def test_bad_counts_are_refused_and_nothing_written(
    client, subdistrict_staff, buildings, data, message
):
    near = buildings["near"]
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("campaign:building", args=[near.pk]), {"action": "count", **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(near.counts.values_list("vaccinated", flat=True)) == [103]


def test_correct_a_building_not_below_its_counts(client, subdistrict_staff, buildings):
    golden = buildings["golden"]
    client.force_login(subdistrict_staff)
    url = reverse("campaign:building", args=[golden.pk])
    html = client.post(url, {"action": "edit", "name": "3号楼", "residents": "90"}).content.decode()
    assert "该楼栋已记录 97 位居民已接种，居民人数不能少于此数。" in html
    golden.refresh_from_db()
    assert golden.residents == 125
    client.post(url, {"action": "edit", "name": "3号楼", "residents": "130", "address": "万镇路"})
    golden.refresh_from_db()
    assert (golden.residents, golden.address) == (130, "万镇路")


def test_overview_counts_per_committee(
    client, subdistrict_staff, committee, buildings, subdistrict
):
    CommitteeFactory(subdistrict=subdistrict, name="中浩云居民区")
    html = get(client, subdistrict_staff, reverse("campaign:buildings"))
    assert html.index("万里雅筑居民区") < html.index("中浩云居民区")
    row = html[html.index("万里雅筑居民区") :]
    row = row[: row.index("</tr>")]
    assert "★ 1" in row
    assert ">3<" in row


def test_ranking_page_counts_golden_buildings_per_subdistrict(
    client, district_leader, committee, subdistrict, buildings
):
    other = SubdistrictFactory(district=subdistrict.district, name="长征镇")
    far_building = BuildingFactory(committee=CommitteeFactory(subdistrict=other), residents=10)
    building_count_record(building=far_building, on=TODAY, vaccinated=8)
    DailyTallyFactory(date=TODAY, site=SiteFactory(subdistrict=subdistrict), committee=committee)
    snapshots_rebuild(start=TODAY)
    html = get(client, district_leader, reverse("reports:ranking"))
    assert '万里街道：<span class="golden">★</span> 金盾楼 1 栋（共登记 3 栋）' in html
    assert '长征镇：<span class="golden">★</span> 金盾楼 1 栋（共登记 1 栋）' in html
    html = get(client, district_leader, reverse("reports:ranking"), date="2021-05-12")
    assert "金盾楼 0 栋（共登记 3 栋）" in html  # 3号楼 reached 77.6% on 05-13


@pytest.mark.parametrize("name", ["reports:ranking", "campaign:buildings"])
def test_query_count_does_not_grow_with_buildings(
    client, administrator, committee, subdistrict, buildings, name, django_assert_max_num_queries
):
    DailyTallyFactory(date=TODAY, site=SiteFactory(subdistrict=subdistrict), committee=committee)
    snapshots_rebuild(start=TODAY)
    client.force_login(administrator)
    with django_assert_max_num_queries(25) as few:
        client.get(reverse(name))
    for n in range(10):
        c = CommitteeFactory(subdistrict=SubdistrictFactory(district=subdistrict.district))
        building_count_record(building=BuildingFactory(committee=c), on=TODAY, vaccinated=n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse(name))


def test_committee_page_query_count_does_not_grow_with_buildings(
    client, subdistrict_staff, committee, buildings, django_assert_max_num_queries
):
    client.force_login(subdistrict_staff)
    url = reverse("campaign:building_committee", args=[committee.pk])
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    for n in range(10):
        building_count_record(
            building=BuildingFactory(committee=committee, name=f"新{n}号楼"), on=TODAY, vaccinated=n
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_ranking_page_counts_read_with_an_ascii_colon_in_english(
    client, district_leader, committee, subdistrict, buildings
):
    other = SubdistrictFactory(district=subdistrict.district, name="长征镇")
    BuildingFactory(committee=CommitteeFactory(subdistrict=other), residents=10)
    DailyTallyFactory(date=TODAY, site=SiteFactory(subdistrict=subdistrict), committee=committee)
    snapshots_rebuild(start=TODAY)
    client.cookies["django_language"] = "en"
    html = get(client, district_leader, reverse("reports:ranking"))
    golden = html[html.index('class="golden-counts"') :]
    golden = golden[: golden.index("</ul>")]
    assert '万里街道: <span class="golden">★</span>' in golden
    assert "：" not in golden


@pytest.mark.parametrize(
    "page", ["reports:committee", "reports:second_dose_committee", "campaign:building_committee"]
)
def test_every_committee_page_shows_the_code_a_tally_file_needs(
    client, subdistrict_staff, committee, page
):
    html = get(client, subdistrict_staff, reverse(page, args=[committee.pk]))
    assert f"<code>{committee.code}</code>" in html
