"""What the entry grid opens (issue 14, item 7): committees with a tally at the site in
the last 14 days show, the others fold under "其他居委（N）"; the booster column opens
when the campaign counts boosters or the site gave them lately. One read for the lot."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import Target
from sites.selectors.tallies import grid_use_at
from tests.factories import CommitteeFactory, DailyTallyFactory, TargetFactory
from tests.sites.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def committees(subdistrict, committee):
    return [committee] + [
        CommitteeFactory(subdistrict=subdistrict, code=f"310107-ZB-{n:02d}", name=f"真北{n}居委")
        for n in range(1, 10)
    ]


def grid(client, subdistrict_staff, site):
    client.force_login(subdistrict_staff)
    return client.get(reverse("sites:entry", args=[site.pk, TODAY.isoformat()]))


def test_committees_without_a_recent_tally_fold_away(client, subdistrict_staff, site, committees):
    recent, old = committees[:4], committees[4]
    for c in recent:
        DailyTallyFactory(site=site, committee=c, date=TODAY - datetime.timedelta(days=14))
    DailyTallyFactory(site=site, committee=old, date=TODAY - datetime.timedelta(days=15))
    response = grid(client, subdistrict_staff, site)
    shown = [row.committee for row in response.context["shown_rows"]]
    folded = [row.committee for row in response.context["folded_rows"]]
    assert shown == [*sorted(recent, key=lambda c: c.code), None]  # and the non-residents
    assert len(folded) == 6
    assert old in folded
    assert not response.context["folded_open"]
    html = response.content.decode()
    assert "其他居委（6）" in html
    assert '<details class="other-committees">' in html


def test_the_folded_committees_open_when_one_has_a_value(
    client, subdistrict_staff, site, committees
):
    DailyTallyFactory(site=site, committee=committees[0], date=TODAY - datetime.timedelta(days=2))
    DailyTallyFactory(site=site, committee=committees[5], date=TODAY, count=3)
    response = grid(client, subdistrict_staff, site)
    assert committees[5] in [row.committee for row in response.context["folded_rows"]]
    assert response.context["folded_open"]
    assert '<details class="other-committees" open>' in response.content.decode()


def test_a_committee_clerk_sees_their_committee_at_a_site_others_used_lately(
    client, committee_staff, site, committees
):
    """万里雅筑's clerk opens a site where only other committees had tallies lately: their
    one row is in the grid, not folded under "其他居委（1）" below an empty table."""
    DailyTallyFactory(site=site, committee=committees[1], date=TODAY - datetime.timedelta(days=2))
    client.force_login(committee_staff)
    response = client.get(reverse("sites:entry", args=[site.pk, TODAY.isoformat()]))
    assert [row.committee for row in response.context["shown_rows"]] == [committees[0]]
    assert response.context["folded_rows"] == []
    assert "其他居委" not in response.content.decode()


def test_a_site_without_recent_tallies_folds_nothing(client, subdistrict_staff, site, committees):
    response = grid(client, subdistrict_staff, site)
    assert len(response.context["shown_rows"]) == len(committees) + 1
    assert response.context["folded_rows"] == []


@pytest.mark.parametrize(
    ("history", "target", "shown"),
    [
        (None, None, False),
        ("booster", None, True),
        ("first", Target.Metric.BOOSTER, True),
        ("first", Target.Metric.FIRST, False),
    ],
    ids=["nothing", "boosters lately", "campaign counts boosters", "other target"],
)
def test_the_booster_column_opens_when_in_use(
    client, subdistrict_staff, site, committees, campaign_today, history, target, shown
):
    if history:
        DailyTallyFactory(
            site=site,
            committee=committees[0],
            dose_kind=history,
            date=TODAY - datetime.timedelta(days=3),
        )
    if target:
        TargetFactory(
            campaign=campaign_today,
            subdistrict=site.subdistrict,
            metric=target,
            period_start=datetime.date(2021, 6, 1),
            period_end=datetime.date(2021, 6, 30),
        )
    response = grid(client, subdistrict_staff, site)
    assert response.context["show_booster"] is shown
    checked = 'id="show-booster" class="column-toggle" checked' in response.content.decode()
    assert checked is shown


def test_what_is_in_use_is_read_in_two_queries_whatever_the_committees(site, committees):
    for n, c in enumerate(committees):
        for back in range(1, 14):
            DailyTallyFactory(
                site=site, committee=c, date=TODAY - datetime.timedelta(days=back), count=n + 1
            )
    with CaptureQueriesContext(connection) as queries:
        use = grid_use_at(site, TODAY)
    assert use.committee_ids == {c.pk for c in committees}
    assert use.boosters is False
    assert len(queries) == 2  # the recent tallies, the campaign's booster target
    DailyTallyFactory(site=site, committee=committees[0], dose_kind="booster", date=TODAY)
    DailyTallyFactory(
        site=site, committee=committees[0], dose_kind="booster", date=TODAY - datetime.timedelta(1)
    )
    with CaptureQueriesContext(connection) as queries:
        assert grid_use_at(site, TODAY).boosters is True
    assert len(queries) == 2  # the same reads, whatever the data


def test_the_grid_carries_the_user_for_its_drafts(client, subdistrict_staff, site):
    client.force_login(subdistrict_staff)
    response = client.get(reverse("sites:entry", args=[site.pk, TODAY.isoformat()]))
    html = response.content.decode()
    assert f'data-user="{subdistrict_staff.pk}" data-site="{site.pk}" data-day="2021-06-30"' in html
    assert 'enterkeyhint="next"' in html
    assert 'inputmode="numeric"' in html
