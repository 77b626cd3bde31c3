"""A district's morning (issue 15, item 6): a reload of an unchanged snapshot page answers
304 without reading the ranking; anything the page shows changing gives a new ETag; HTML
goes out compressed."""

import datetime
import gzip

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import Target
from reports.builders import snapshots_build_date
from reports.models import StaleDate
from reports.services.snapshots import snapshots_mark_stale, snapshots_rebuild
from sites.models import DailyTally
from tests.factories import CampaignFactory, SiteFactory, TargetFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2021, 4, 28)


@pytest.fixture
def snapshot(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = DAY
    campaign = CampaignFactory(start_date=DAY)
    site = SiteFactory(subdistrict=subdistrict)
    DailyTally.objects.create(
        date=DAY, site=site, committee=committee, dose_kind="first", count=600, source="import"
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=subdistrict,
        value=1000,
        period_start=DAY,
        period_end=DAY + datetime.timedelta(days=2),
    )
    snapshots_rebuild(start=DAY)
    return {"site": site}


def _reload(client, path, etag, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_IF_NONE_MATCH=etag, **headers)
    return response, [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("name", ["reports:ranking", "reports:targets"])
def test_a_reload_of_an_unchanged_page_answers_304_without_reading_the_ranking(
    client, district_leader, snapshot, name
):
    client.force_login(district_leader)
    first = client.get(reverse(name))
    assert first.status_code == 200
    etag = first["ETag"]

    again, queries = _reload(client, reverse(name), etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # The user, their scope and the snapshot's stamp all come from the cache
    # (campaign/session_user.py, reports/selectors/stamps.py): no query at all.
    assert queries == []


def test_with_the_stamp_forgotten_a_reload_costs_the_stamps_query_alone(
    client, district_leader, snapshot
):
    client.force_login(district_leader)
    etag = client.get(reverse("reports:ranking"))["ETag"]
    cache.delete("snapshot-page-stamps")

    again, queries = _reload(client, reverse("reports:ranking"), etag)

    assert again.status_code == 304
    # One statement of small aggregates (the latest day with snapshots among them); no
    # ranking or progress row, no transaction, not the user.
    assert len(queries) == 1
    assert queries[0].strip().startswith("SELECT shown.day")


def test_a_changed_target_changes_the_etag(client, district_leader, snapshot):
    client.force_login(district_leader)
    etag = client.get(reverse("reports:targets"))["ETag"]
    target = Target.objects.get()
    target.value = 900
    target.save()

    assert _reload(client, reverse("reports:targets"), etag)[0].status_code == 200


def test_saved_tallies_change_the_etag_at_once(client, district_leader, snapshot):
    """Marked stale in bulk (no signal): the page says "updating" on the next reload."""
    client.force_login(district_leader)
    etag = client.get(reverse("reports:ranking"))["ETag"]
    snapshots_mark_stale(dates=[DAY])

    assert _reload(client, reverse("reports:ranking"), etag)[0].status_code == 200


def test_a_rebuild_gives_a_new_etag_and_the_new_page(client, district_leader, committee, snapshot):
    client.force_login(district_leader)
    before = client.get(reverse("reports:ranking"))
    etag = before["ETag"]
    DailyTally.objects.filter(committee=committee).update(count=700)
    snapshots_build_date(on=DAY)

    after, _queries = _reload(client, reverse("reports:ranking"), etag)

    assert after.status_code == 200
    assert after["ETag"] != etag
    assert after.content != before.content


def test_a_waiting_rebuild_changes_the_etag(client, district_leader, snapshot):
    """The page then says "updating": the copy the browser kept must not be reused."""
    client.force_login(district_leader)
    etag = client.get(reverse("reports:ranking"))["ETag"]
    StaleDate.objects.create(date=DAY, marked_at=datetime.datetime.now(tz=datetime.UTC))
    assert _reload(client, reverse("reports:ranking"), etag)[0].status_code == 200


def test_the_query_string_the_language_and_the_user_are_part_of_the_etag(
    client, district_leader, subdistrict_staff, snapshot
):
    client.force_login(district_leader)
    path = reverse("reports:ranking")
    etag = client.get(path)["ETag"]
    assert client.get(path, {"sort": "doses_today"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    client.cookies["django_language"] = "en"
    english = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert english.status_code == 200
    assert "Daily ranking" in english.content.decode()
    client.force_login(subdistrict_staff)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_page_is_kept_only_to_be_revalidated_and_logout_clears_it(
    client, district_leader, snapshot
):
    client.force_login(district_leader)
    response = client.get(reverse("reports:ranking"))
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-cache"} <= directives
    assert "no-store" not in directives
    logout = client.post(reverse("logout"))
    assert logout["Clear-Site-Data"] == '"cache", "storage"'


def test_an_anonymous_request_is_never_answered_304(client, district_leader, snapshot):
    client.force_login(district_leader)
    etag = client.get(reverse("reports:ranking"))["ETag"]
    client.logout()
    response = client.get(reverse("reports:ranking"), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_html_is_sent_compressed(client, district_leader, snapshot):
    client.force_login(district_leader)
    response = client.get(reverse("reports:ranking"), HTTP_ACCEPT_ENCODING="gzip, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert "万里雅筑居民区" in gzip.decompress(response.content).decode()
    assert response["ETag"].startswith('W/"')  # compressed bytes: a weak ETag, still matched
    etag = response["ETag"]
    assert client.get(reverse("reports:ranking"), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_page_opened_again_without_a_copy_is_answered_the_kept_page(
    client, district_leader, snapshot
):
    """A new tab, a phone that dropped the page: the same session asking without
    If-None-Match gets the page kept under its ETag, reading nothing from the database,
    compressed or not as the browser asks."""
    client.force_login(district_leader)
    path = reverse("reports:ranking")
    first = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    plain = client.get(path)

    assert again.status_code == plain.status_code == 200
    assert queries.captured_queries == []
    assert again["Content-Encoding"] == "gzip"
    assert again["ETag"] == first["ETag"]
    assert gzip.decompress(again.content) == gzip.decompress(first.content)
    assert plain.content == gzip.decompress(first.content)
    assert "万里雅筑居民区" in plain.content.decode()
    assert client.get(path, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304


def test_after_a_rebuild_the_kept_page_is_not_answered(
    client, district_leader, committee, snapshot
):
    client.force_login(district_leader)
    path = reverse("reports:ranking")
    before = client.get(path).content.decode()
    assert "25.0%" in before  # 600 first doses of the committee's 2,400 eligible
    DailyTally.objects.filter(committee=committee).update(count=700)
    snapshots_rebuild(start=DAY)

    after = client.get(path).content.decode()

    assert "29.2%" in after  # 700 of 2,400
    assert "25.0%" not in after


def test_a_leaders_first_visit_renders_the_page_around_the_kept_ranking(
    client, district_leader, snapshot
):
    """Another session (another leader, or the same on another phone) has an ETag of its
    own, so its page is rendered: the ranking below the heading comes from the cache, and
    no snapshot table is read."""
    client.force_login(district_leader)
    path = reverse("reports:ranking")
    first = client.get(path).content.decode()
    other = Client()
    other.force_login(district_leader)

    with CaptureQueriesContext(connection) as queries:
        page = other.get(path)

    assert page.status_code == 200
    assert page["ETag"] != client.get(path)["ETag"]
    assert not [q["sql"] for q in queries.captured_queries if '"reports_' in q["sql"]]
    # The same figures, around the other session's own form token.
    shown = page.content.decode()
    assert (
        shown[shown.index("<h1>") : shown.index("</main>")]
        == first[first.index("<h1>") : first.index("</main>")]
    )


def test_a_hard_reload_renders_the_page_anew(client, district_leader, snapshot):
    """Ctrl+Shift+R (Cache-Control: no-cache) is not answered the kept copy."""
    client.force_login(district_leader)
    path = reverse("reports:ranking")
    client.get(path)
    with CaptureQueriesContext(connection) as hard:
        response = client.get(path, HTTP_CACHE_CONTROL="no-cache")
    assert response.status_code == 200
    assert [q for q in hard.captured_queries if "campaign_subdistrict" in q["sql"]]


def test_a_damaged_kept_page_is_rendered_again_not_an_error(client, district_leader, snapshot):
    client.force_login(district_leader)
    path = reverse("reports:ranking")
    etag = client.get(path)["ETag"]
    cache.set(f"page:{etag}", ("text/html; charset=utf-8", b"not a gzip stream"))

    for accepting in ("gzip", ""):
        response = client.get(path, HTTP_ACCEPT_ENCODING=accepting)
        assert response.status_code == 200
        body = gzip.decompress(response.content) if accepting else response.content
        assert "万里雅筑居民区" in body.decode()
    cache.set("snapshot-page-stamps", {(None, DAY): "damaged"})
    assert client.get(path).status_code == 200


def test_a_new_name_shows_in_the_menu_at_once(client, district_leader, snapshot):
    """The menu's name and administration link are part of the ETag: a page kept before
    the change is not answered after it."""
    client.force_login(district_leader)
    path = reverse("reports:ranking")
    etag = client.get(path)["ETag"]
    district_leader.first_name = "王"
    district_leader.last_name = "丽"
    district_leader.save()

    response = client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert "王 丽" in response.content.decode()  # Django's get_full_name: first, last
