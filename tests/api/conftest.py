"""A small world for the API: a district with two subdistricts (home and neighbour),
another district (far), a site and a committee in each subdistrict, snapshots built,
and tokens of each kind."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import api_token_create
from campaign.models import Campaign
from reports.services.snapshots import snapshots_rebuild
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DailyTallyFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
)

TODAY = datetime.date(2021, 6, 30)
DAY = "2021-06-29"
HEADER = "date,site_code,committee_code,dose,count"


@dataclass
class Place:
    district: object
    subdistrict: object
    committee: object
    site: object


def make_place(district, tag: str) -> Place:
    subdistrict = SubdistrictFactory(district=district, code=f"{tag}-S", name=f"{tag}街道")
    committee = CommitteeFactory(subdistrict=subdistrict, code=f"{tag}-C", name=f"{tag}居民区")
    site = SiteFactory(subdistrict=subdistrict, code=f"{tag}-SITE", name=f"{tag}接种点")
    TargetFactory(
        subdistrict=subdistrict,
        campaign=Campaign.objects.get(),
        name=f"{tag}六月目标",
        period_start=datetime.date(2021, 6, 1),
        period_end=datetime.date(2021, 6, 30),
    )
    DailyTallyFactory(site=site, committee=committee, date=datetime.date(2021, 6, 28), count=7)
    return Place(district, subdistrict, committee, site)


@pytest.fixture
def world(db, settings):
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    putuo = DistrictFactory(code="PT", name="普陀区")
    erqi = DistrictFactory(code="EQ", name="二七区")
    places = {
        "home": make_place(putuo, "home"),
        "neighbour": make_place(putuo, "neighbour"),
        "far": make_place(erqi, "far"),
    }
    snapshots_rebuild(start=datetime.date(2021, 6, 28))
    return places


def token_of(*, access=ApiToken.Access.READ_WRITE, district=None, subdistrict=None, **extra):
    token, key = api_token_create(
        name="区接种系统", access=access, district=district, subdistrict=subdistrict, **extra
    )
    return token, key


@pytest.fixture
def writer(world):
    """A read-write token of the home subdistrict."""
    return token_of(subdistrict=world["home"].subdistrict)


@pytest.fixture
def reader(world):
    return token_of(access=ApiToken.Access.READ, subdistrict=world["home"].subdistrict)


@pytest.fixture
def district_reader(world):
    return token_of(access=ApiToken.Access.READ, district=world["home"].district)


def client_for(key: str | None, **headers) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", **headers)
    elif headers:
        client.credentials(**headers)
    return client


def csv_file(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()
