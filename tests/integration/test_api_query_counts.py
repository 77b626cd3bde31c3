"""No query per committee in the API either: every read of /api/v1/, with a district's
and a subdistrict's token, and the token admin's pages run the same number of queries
with 6 committees as with 36. Needs no broker or server: it runs on every test run."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import ApiToken
from api.services import api_token_create
from campaign.models import Campaign
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally, TallyImport
from sites.services.imports import tally_import_check
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2021, 6, 30)
DAYS = [TODAY - datetime.timedelta(days=n) for n in (2, 1)]


def grow(district, subdistricts: int, committees: int) -> None:
    campaign = Campaign.objects.get()
    for s in range(subdistricts):
        subdistrict = SubdistrictFactory(district=district)
        site = SiteFactory(subdistrict=subdistrict)
        TargetFactory(
            subdistrict=subdistrict,
            campaign=campaign,
            period_start=datetime.date(2021, 6, 1),
            period_end=TODAY,
        )
        for c in range(committees):
            committee = CommitteeFactory(subdistrict=subdistrict)
            TargetFactory(
                committee=committee,
                subdistrict=None,
                campaign=campaign,
                period_start=datetime.date(2021, 6, 1),
                period_end=TODAY,
            )
            DailyTally.objects.bulk_create(
                DailyTally(
                    date=day, site=site, committee=committee, dose_kind="first", count=s + c + 1
                )
                for day in DAYS
            )
    snapshots_rebuild(start=DAYS[0])


def reads(tokens: dict[str, str], log: TallyImport) -> list[tuple[str, str, dict]]:
    queries = [{}, {"date": DAYS[0].isoformat()}, {"sort": "doses_today"}]
    paths = ["areas", "sites"]
    found = [(role, f"/api/v1/{path}/", {}) for role in tokens for path in paths]
    for role in tokens:
        for path in ("ranking", "targets", "summary"):
            found += [(role, f"/api/v1/{path}/", query) for query in queries]
    found.append(("subdistrict", f"/api/v1/imports/{log.pk}/", {}))
    return found


def count(client, url: str, query: dict, **headers) -> tuple[int, int]:
    ContentType.objects.clear_cache()  # each page pays for its own lookups
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query, **headers)
    return len(captured.captured_queries), response.status_code


def test_api_reads_and_the_token_admin_run_the_same_queries_at_6_and_36_committees(
    client, settings, administrator
):
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory()
    district = DistrictFactory()
    grow(district, subdistricts=2, committees=3)
    first = district.subdistricts.order_by("pk").first()
    district_token, district_key = api_token_create(
        name="区系统", access=ApiToken.Access.READ, district=district
    )
    sub_token, sub_key = api_token_create(
        name="街道系统", access=ApiToken.Access.READ_WRITE, subdistrict=first
    )
    site = first.sites.get()
    committee = first.committees.order_by("pk").first()
    content = (
        f"date,site_code,committee_code,dose,count\n{TODAY},{site.code},{committee.code},first,2\n"
    )
    log = tally_import_check(user=sub_token.user, file_name="x.csv", content=content.encode())
    tokens = {"district": district_key, "subdistrict": sub_key}
    admin_pages = [
        reverse("admin:api_apitoken_changelist"),
        reverse("admin:api_apitoken_change", args=[sub_token.pk]),
        reverse("admin:api_apitoken_history", args=[district_token.pk]),
    ]

    def measure() -> dict:
        counts = {}
        for role, url, query in reads(tokens, log):
            auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens[role]}"}
            counts[(role, url, tuple(query.items()))] = count(client, url, query, **auth)
        client.force_login(administrator)
        for url in admin_pages:
            counts[("admin", url, ())] = count(client, url, {})
        client.logout()
        return counts

    small = measure()
    assert all(status == 200 for _queries, status in small.values()), small
    grow(district, subdistricts=4, committees=9)
    assert district.subdistricts.count() == 6
    large = measure()
    grew = {key: (small[key], large[key]) for key in small if small[key] != large[key]}
    assert not grew, f"query counts (or answers) changed with the data size: {grew}"
