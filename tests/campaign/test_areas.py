"""One notion of an area (campaign.areas) and the request parameters that pick one."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404, QueryDict

from campaign.access import staff_scope_for
from campaign.areas import Area, area_picked, areas_visible_to
from campaign.models import Committee, Target
from campaign.request_params import area_param, day_param, parse_day
from campaign.users import display_name, name_from
from sites.models import Site
from tests.factories import (
    CommitteeFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(district, subdistrict, committee):
    """Two subdistricts of the district, each with a committee and a site."""
    other = SubdistrictFactory(district=district, code="310107-CY", name="长寿路街道")
    return {
        "district": district,
        "subdistrict": subdistrict,
        "committee": committee,
        "other": other,
        "other_committee": CommitteeFactory(subdistrict=other),
        "site": SiteFactory(subdistrict=subdistrict),
        "other_site": SiteFactory(subdistrict=other),
    }


def test_an_area_has_a_kind_a_key_a_parent_and_a_depth(world):
    district, subdistrict, committee = world["district"], world["subdistrict"], world["committee"]
    assert [Area(x).kind for x in (district, subdistrict, committee)] == [
        "district",
        "subdistrict",
        "committee",
    ]
    assert Area(subdistrict).key == f"subdistrict:{subdistrict.pk}"
    assert Area(committee).parent == Area(subdistrict)
    assert Area(subdistrict).parent == Area(district)
    assert Area(district).parent is None
    assert [Area(x).depth for x in (district, subdistrict, committee)] == [0, 1, 2]
    assert Area(district).has_subdistricts
    assert not Area(subdistrict).has_subdistricts


def test_committees_and_sites_of_an_area(world):
    district, subdistrict = world["district"], world["subdistrict"]
    assert set(Area(district).committees()) == {world["committee"], world["other_committee"]}
    assert list(Area(subdistrict).committees()) == [world["committee"]]
    assert list(Area(world["committee"]).committees()) == [world["committee"]]
    assert set(Site.objects.filter(Area(district).site_filter)) == {
        world["site"],
        world["other_site"],
    }
    assert list(Site.objects.filter(Area(subdistrict).site_filter)) == [world["site"]]
    with pytest.raises(ValueError, match="committee"):
        Site.objects.filter(Area(world["committee"]).site_filter)


def test_targets_set_within_an_area_include_those_of_its_parts(world):
    empty = {"district": None, "subdistrict": None, "committee": None}
    on_district = TargetFactory(**{**empty, "district": world["district"]})
    on_subdistrict = TargetFactory(**{**empty, "subdistrict": world["subdistrict"]})
    on_committee = TargetFactory(**{**empty, "committee": world["committee"]})
    elsewhere = TargetFactory(**{**empty, "committee": world["other_committee"]})
    within = Target.objects.filter
    assert set(within(Area(world["district"]).set_within())) == {
        on_district,
        on_subdistrict,
        on_committee,
        elsewhere,
    }
    assert set(within(Area(world["subdistrict"]).set_within())) == {on_subdistrict, on_committee}
    assert set(within(Area(world["committee"]).set_within())) == {on_committee}


def test_subdistricts_among_the_picked_areas(world):
    areas = [Area(world["district"]), Area(world["subdistrict"]), Area(world["other"])]
    assert Area(world["district"]).subdistricts_among(areas) == [
        world["subdistrict"],
        world["other"],
    ]  # in the picker's order
    assert Area(world["other"]).subdistricts_among(areas) == [world["other"]]


def test_leaders_pick_the_district_then_its_subdistricts_staff_their_own(
    world, district_leader, subdistrict_staff, committee_staff
):
    keys = [a.key for a in areas_visible_to(staff_scope_for(district_leader))]
    assert keys == [  # by code: 长寿路 (CY) before 万里 (WL)
        Area(world["district"]).key,
        Area(world["other"]).key,
        Area(world["subdistrict"]).key,
    ]
    for user in (subdistrict_staff, committee_staff):
        assert areas_visible_to(staff_scope_for(user)) == [Area(world["subdistrict"])]
    assert areas_visible_to(None) == []


def test_an_area_outside_the_scope_or_malformed_answers_404(world, subdistrict_staff):
    scope = staff_scope_for(subdistrict_staff)
    assert area_param(scope, None)[1] == Area(world["subdistrict"])
    for key in (Area(world["other"]).key, Area(world["district"]).key, "subdistrict:x", "?"):
        assert area_picked(areas_visible_to(scope), key) is None
        with pytest.raises(Http404):
            area_param(scope, key)
    with pytest.raises(Http404):
        area_param(None, None)


def test_a_day_parameter_is_yyyy_mm_dd_or_404():
    assert day_param(QueryDict("date=2021-06-30")) == datetime.date(2021, 6, 30)
    assert day_param(QueryDict("start=2021-06-01"), "start") == datetime.date(2021, 6, 1)
    assert day_param(QueryDict("date=")) is None
    assert day_param(QueryDict("")) is None
    for bad in ("2021-02-30", "30/06/2021", "２０２１-06-30", "x"):
        with pytest.raises(Http404):
            parse_day(bad)


def test_a_user_is_named_by_full_name_else_username():
    assert display_name(UserFactory(username="wl01", first_name="李", last_name="娜")) == "李 娜"
    assert display_name(UserFactory(username="wl02")) == "wl02"
    assert display_name(None) == ""
    assert name_from(None, None, None) == ""
    assert Committee.objects.count() == 0  # no geography was needed to name a user
