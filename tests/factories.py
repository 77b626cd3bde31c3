"""Factories for the domain model: each builds a valid row with its parents."""

import datetime

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from campaign.models import (
    Building,
    Campaign,
    Committee,
    District,
    StaffScope,
    Subdistrict,
    Target,
)
from sites.models import DailyTally, MobileVisit, Site, SitePlan


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}区")
    eligible_population = 500_000


class SubdistrictFactory(DjangoModelFactory):
    class Meta:
        model = Subdistrict

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}街道")
    eligible_population = 80_000


class CommitteeFactory(DjangoModelFactory):
    class Meta:
        model = Committee

    subdistrict = factory.SubFactory(SubdistrictFactory)
    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"第{n}居民区")
    eligible_population = 2_400


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = "2021年新冠疫苗接种"
    start_date = datetime.date(2021, 1, 8)
    end_date = datetime.date(2021, 6, 30)


class TargetFactory(DjangoModelFactory):
    class Meta:
        model = Target

    campaign = factory.SubFactory(CampaignFactory)
    name = "4月接种目标"
    subdistrict = factory.SubFactory(SubdistrictFactory)
    period_start = datetime.date(2021, 4, 1)
    period_end = datetime.date(2021, 4, 30)
    metric = Target.Metric.ALL_DOSES
    value = 32_800


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    subdistrict = factory.SubFactory(SubdistrictFactory)
    code = factory.Sequence(lambda n: f"SITE{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}接种点")
    kind = Site.Kind.FIXED
    stations = 4
    daily_capacity = 500
    active_from = datetime.date(2021, 1, 8)


class DailyTallyFactory(DjangoModelFactory):
    class Meta:
        model = DailyTally

    date = datetime.date(2021, 4, 1)
    site = factory.SubFactory(SiteFactory)
    committee = factory.SubFactory(
        CommitteeFactory, subdistrict=factory.SelfAttribute("..site.subdistrict")
    )
    dose_kind = DailyTally.DoseKind.FIRST
    count = 10
    source = DailyTally.Source.ENTRY


class StaffScopeFactory(DjangoModelFactory):
    class Meta:
        model = StaffScope

    user = factory.SubFactory(UserFactory)
    role = StaffScope.Role.ADMINISTRATOR


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"{n + 1}号楼")
    residents = 125


class SitePlanFactory(DjangoModelFactory):
    class Meta:
        model = SitePlan

    site = factory.SubFactory(SiteFactory)
    date = datetime.date(2021, 6, 28)
    planned_doses = 100


class MobileVisitFactory(DjangoModelFactory):
    class Meta:
        model = MobileVisit

    site = factory.SubFactory(SiteFactory, kind=Site.Kind.MOBILE)
    date = datetime.date(2021, 6, 28)
    compound = "水泉路99弄"
