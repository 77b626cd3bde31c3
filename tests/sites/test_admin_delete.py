"""An administrator asked to delete a site or committee that has tallies is told how many
tallies keep it, on a page whose cost does not grow with them."""

import pytest
from django.urls import reverse

from sites.models import DailyTally

pytestmark = pytest.mark.django_db


@pytest.fixture
def tallies(site, committee, neighbour):
    DailyTally.objects.bulk_create(
        DailyTally(
            date=f"2021-06-{day:02d}",
            site=site,
            committee=c,
            dose_kind="first",
            count=3,
            source="import",
        )
        for day in range(7, 17)
        for c in (committee, neighbour)
    )


@pytest.mark.parametrize("name", ["sites_site", "campaign_committee", "auth_user"])
def test_delete_page_counts_the_protecting_tallies(
    client,
    administrator,
    site,
    committee,
    subdistrict_staff,
    tallies,
    name,
    django_assert_max_num_queries,
):
    DailyTally.objects.filter(committee=committee).update(entered_by=subdistrict_staff)
    obj = {"sites_site": site, "campaign_committee": committee, "auth_user": subdistrict_staff}[
        name
    ]
    client.force_login(administrator)
    # A bound, not a count per row: one lookup per kind of row that refers to the object
    # (an account is also referred to by the API token it may be, and by its entry grid's
    # save receipts).
    with django_assert_max_num_queries(17):
        html = client.get(reverse(f"admin:{name}_delete", args=[obj.pk])).content.decode()
    expected = "每日接种数：20 条" if name == "sites_site" else "每日接种数：10 条"  # 10 days
    assert expected in html
    client.post(reverse(f"admin:{name}_delete", args=[obj.pk]), {"post": "yes"})
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_site_without_tallies_is_deleted_as_usual(client, administrator, site):
    client.force_login(administrator)
    html = client.get(reverse("admin:sites_site_delete", args=[site.pk])).content.decode()
    assert "每日接种数：" not in html
    client.post(reverse("admin:sites_site_delete", args=[site.pk]), {"post": "yes"})
    assert not type(site).objects.filter(pk=site.pk).exists()
