"""Golden shield buildings: the services' refusals and the threshold's edges."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from campaign.models import Building, BuildingCount, Campaign, Committee, Subdistrict
from campaign.selectors import (
    buildings_with_coverage,
    golden_shield_by_committee,
    golden_shield_by_subdistrict,
    golden_shield_threshold,
)
from campaign.services import building_count_record, building_create, building_update
from tests.factories import BuildingFactory, CampaignFactory, CommitteeFactory, SubdistrictFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2021, 6, 30)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.STREETVAX_DEMO_DATE = TODAY


def refused(call, field, text):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        call()
    messages = error.value.message_dict[field]
    assert any(text in message for message in messages), messages


def coverage(building, threshold="75.0", on=TODAY):
    return buildings_with_coverage(
        Building.objects.filter(pk=building.pk), on=on, threshold=Decimal(threshold)
    ).get()


def test_create_building_trims_the_name(committee):
    building = building_create(committee=committee, name="  3号楼 ", residents=125)
    assert (building.name, building.residents, building.address) == ("3号楼", 125, "")


def test_create_refuses_no_residents_and_a_second_building_of_the_same_name(committee):
    refused(
        lambda: building_create(committee=committee, name="3号楼", residents=0),
        "__all__",
        "至少有 1 位居民",
    )
    building_create(committee=committee, name="3号楼", residents=125)
    refused(
        lambda: building_create(committee=committee, name="3号楼", residents=90),
        "__all__",
        "已有同名楼栋",
    )
    refused(lambda: building_create(committee=committee, name=" ", residents=90), "name", "")
    assert Building.objects.count() == 1


def test_count_is_refused_above_the_residents_or_in_the_future(committee):
    building = BuildingFactory(committee=committee, residents=125)
    refused(
        lambda: building_count_record(building=building, on=TODAY, vaccinated=126),
        "vaccinated",
        "超过了该楼的 125 位居民",
    )
    refused(
        lambda: building_count_record(
            building=building, on=TODAY + datetime.timedelta(days=1), vaccinated=1
        ),
        "date",
        "是将来的日期",
    )
    refused(
        lambda: building_count_record(building=building, on=TODAY, vaccinated=-1), "vaccinated", ""
    )
    assert not BuildingCount.objects.exists()


def test_a_second_count_on_the_same_day_replaces_the_first(committee, subdistrict_staff):
    building = BuildingFactory(committee=committee)
    building_count_record(building=building, on=TODAY, vaccinated=90, user=subdistrict_staff)
    building_count_record(building=building, on=TODAY, vaccinated=97, user=subdistrict_staff)
    count = BuildingCount.objects.get()
    assert (count.vaccinated, count.recorded_by) == (97, subdistrict_staff)
    assert count.history.count() == 2


def test_residents_cannot_fall_below_a_recorded_count(committee):
    building = BuildingFactory(committee=committee, residents=125)
    building_count_record(building=building, on=TODAY, vaccinated=97)
    refused(
        lambda: building_update(building=building, name="3号楼", residents=96),
        "residents",
        "97",
    )
    building.refresh_from_db()
    assert building.residents == 125
    building_update(building=building, name="3号楼", residents=97, address="万镇路1弄3号")
    building.refresh_from_db()
    assert (building.residents, building.address) == (97, "万镇路1弄3号")


@pytest.mark.parametrize(
    ("vaccinated", "threshold", "golden"),
    [
        (97, "77.6", True),  # 97 / 125 = 77.6%: exactly at the threshold
        (96, "77.6", False),  # 76.8%
        (97, "77.7", False),
        (94, "75.0", True),  # 75.2%
        (93, "75.0", False),  # 74.4%
        (125, "100.0", True),
        (124, "100.0", False),
    ],
)
def test_golden_shield_threshold_edges(committee, vaccinated, threshold, golden):
    building = BuildingFactory(committee=committee, residents=125)
    building_count_record(building=building, on=datetime.date(2021, 5, 13), vaccinated=vaccinated)
    row = coverage(building, threshold)
    assert row.is_golden is golden
    assert row.golden_since == (datetime.date(2021, 5, 13) if golden else None)


def test_exactly_three_quarters_meets_the_default_threshold(committee):
    building = BuildingFactory(committee=committee, residents=4)
    building_count_record(building=building, on=TODAY, vaccinated=3)
    assert coverage(building).is_golden is True
    assert coverage(building).coverage_percent == 75.0


def test_the_latest_count_on_or_before_the_day_decides(committee):
    building = BuildingFactory(committee=committee, residents=125)
    building_count_record(building=building, on=datetime.date(2021, 4, 20), vaccinated=61)
    building_count_record(building=building, on=datetime.date(2021, 5, 13), vaccinated=97)
    building_count_record(building=building, on=datetime.date(2021, 6, 28), vaccinated=90)
    on_may_13 = coverage(building, "77.6", on=datetime.date(2021, 5, 13))
    assert (on_may_13.vaccinated, on_may_13.is_golden) == (97, True)
    before = coverage(building, "77.6", on=datetime.date(2021, 5, 12))
    assert (before.vaccinated, before.counted_on, before.is_golden) == (
        61,
        datetime.date(2021, 4, 20),
        False,
    )
    now = coverage(building, "77.6")
    assert (now.vaccinated, now.is_golden) == (90, False)  # fell back below: no longer
    never = coverage(BuildingFactory(committee=committee), "77.6")
    assert (never.vaccinated, never.coverage_percent, never.is_golden) == (None, None, False)


def test_counts_per_committee_and_subdistrict_in_one_query_each(
    committee, subdistrict, django_assert_num_queries
):
    other = CommitteeFactory(subdistrict=subdistrict, code="WL-02")
    far = CommitteeFactory(subdistrict=SubdistrictFactory(district=subdistrict.district))
    for c, counts in [(committee, [97, 94, 10]), (other, [120]), (far, [50, 100])]:
        for vaccinated in counts:
            building_count_record(
                building=BuildingFactory(committee=c), on=TODAY, vaccinated=vaccinated
            )
    BuildingFactory(committee=other)  # never counted
    threshold = Decimal("75.0")
    with django_assert_num_queries(1):
        by_committee = {
            c.pk: (c.building_count, c.golden_count)
            for c in golden_shield_by_committee(
                Committee.objects.all(), on=TODAY, threshold=threshold
            )
        }
    assert by_committee == {committee.pk: (3, 2), other.pk: (2, 1), far.pk: (2, 1)}
    with django_assert_num_queries(1):
        by_subdistrict = golden_shield_by_subdistrict(
            Subdistrict.objects.all(), on=TODAY, threshold=threshold
        )
    assert [
        (r["committee__subdistrict"], r["building_count"], r["golden_count"])
        for r in by_subdistrict
    ] == [
        (subdistrict.pk, 5, 3),
        (far.subdistrict_id, 2, 1),
    ]


def test_threshold_comes_from_the_campaign(db):
    assert golden_shield_threshold(on=TODAY) == Decimal("75.0")
    CampaignFactory(golden_shield_threshold=Decimal("80.0"))
    assert golden_shield_threshold(on=TODAY) == Decimal("80.0")


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"second_dose_min_days": 0}, "不能晚于"),
        ({"second_dose_min_days": 30, "second_dose_max_days": 29}, "不能晚于"),
        ({"golden_shield_threshold": Decimal("0")}, "0%"),
        ({"golden_shield_threshold": Decimal("100.1")}, "100%"),
    ],
)
def test_campaign_refuses_intervals_out_of_order_and_thresholds_out_of_range(fields, text):
    campaign = Campaign(name="x", start_date=TODAY, end_date=TODAY, **fields)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert text in str(error.value)
