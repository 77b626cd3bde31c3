"""Every rule of the geography, campaign, target and scope tables is a database
constraint: a row that breaks it is refused even when it skips forms and validation."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from campaign.models import Campaign, Committee, District, StaffScope, Subdistrict, Target
from tests.assertions import refused
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    SubdistrictFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("factory", [DistrictFactory, SubdistrictFactory, CommitteeFactory])
def test_area_needs_eligible_population_above_zero(factory):
    refused(lambda: factory(eligible_population=0))
    assert factory._meta.model.objects.filter(eligible_population=0).count() == 0


@pytest.mark.parametrize("factory", [DistrictFactory, SubdistrictFactory, CommitteeFactory])
def test_area_code_is_unique(factory):
    factory(code="310107")
    refused(lambda: factory(code="310107"))
    assert factory._meta.model.objects.filter(code="310107").count() == 1


def test_area_population_error_is_readable_in_chinese():
    district = District(code="X", name="测试区", eligible_population=0)
    with pytest.raises(ValidationError) as error:
        district.full_clean()
    assert "适种人口必须大于 0" in str(error.value)


def test_campaign_cannot_end_before_it_starts():
    refused(
        lambda: CampaignFactory(
            start_date=datetime.date(2021, 6, 30), end_date=datetime.date(2021, 1, 8)
        )
    )
    assert not Campaign.objects.exists()


def test_campaign_of_one_day_is_allowed():
    CampaignFactory(start_date=datetime.date(2021, 6, 30), end_date=datetime.date(2021, 6, 30))
    assert Campaign.objects.count() == 1


def test_campaign_full_course_needs_a_dose():
    refused(lambda: CampaignFactory(doses_for_full_course=0))


def test_campaign_full_course_defaults_to_two_doses():
    assert CampaignFactory().doses_for_full_course == 2


@pytest.mark.parametrize(
    "scopes",
    [
        pytest.param({"district": True, "subdistrict": True}, id="district-and-subdistrict"),
        pytest.param({"subdistrict": True, "committee": True}, id="subdistrict-and-committee"),
        pytest.param({}, id="no-scope"),
    ],
)
def test_target_has_exactly_one_scope(scopes, committee):
    values = {
        "district": committee.subdistrict.district if scopes.get("district") else None,
        "subdistrict": committee.subdistrict if scopes.get("subdistrict") else None,
        "committee": committee if scopes.get("committee") else None,
    }
    campaign = CampaignFactory()
    refused(lambda: TargetFactory(campaign=campaign, **values))
    assert not Target.objects.exists()


@pytest.mark.parametrize("level", ["district", "subdistrict", "committee"])
def test_target_with_one_area_of_any_level_is_stored(level, committee):
    area = {
        "district": committee.subdistrict.district,
        "subdistrict": committee.subdistrict,
        "committee": committee,
    }[level]
    empty = {"district": None, "subdistrict": None, "committee": None}
    target = TargetFactory(**{**empty, level: area})
    assert target.area == area


def test_target_value_must_be_above_zero():
    refused(lambda: TargetFactory(value=0))


def test_target_period_cannot_end_before_it_starts():
    refused(
        lambda: TargetFactory(
            period_start=datetime.date(2021, 4, 30), period_end=datetime.date(2021, 4, 1)
        )
    )


@pytest.mark.parametrize(
    ("role", "area"),
    [
        ("administrator", "district"),
        ("district_leader", None),
        ("district_leader", "subdistrict"),
        ("subdistrict_staff", "committee"),
        ("committee_staff", "subdistrict"),
    ],
)
def test_staff_scope_area_must_match_role(role, area, committee):
    areas = {
        "district": committee.subdistrict.district,
        "subdistrict": committee.subdistrict,
        "committee": committee,
    }
    values = {area: areas[area]} if area else {}
    user = UserFactory()
    refused(lambda: StaffScope.objects.create(user=user, role=role, **values))
    assert not StaffScope.objects.exists()


def test_a_user_holds_one_scope(subdistrict):
    user = UserFactory()
    StaffScope.objects.create(user=user, role="subdistrict_staff", subdistrict=subdistrict)
    refused(lambda: StaffScope.objects.create(user=user, role="administrator"))


def test_subdistrict_and_committee_keep_their_parents():
    committee = CommitteeFactory()
    refused(lambda: Subdistrict.objects.filter(pk=committee.subdistrict_id).delete())
    assert Committee.objects.filter(pk=committee.pk).exists()
