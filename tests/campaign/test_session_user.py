"""A revalidation and a snapshot page read the logged-in user and their scope from the
cache after the first request (campaign/session_user.py), and every change to the account
or the scope holds from the next request on, as when they were read from the database."""

import pickle

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.services import api_token_create, api_token_revoke
from campaign.access import staff_scope_for
from campaign.models import StaffScope

pytestmark = pytest.mark.django_db


# The requests that read the user from the cache: a revalidation (If-None-Match), as a
# reload of a page kept by the browser sends, and any GET of a snapshot page (marked
# @reads_kept_user: its ETag decides what it answers).
ASKING = {
    "revalidation": lambda client: client.get(
        reverse("home"), HTTP_IF_NONE_MATCH='"a-page-kept-earlier"'
    ),
    "snapshot page": lambda client: client.get(reverse("reports:ranking")),
}


@pytest.fixture(params=ASKING)
def asking(request, subdistrict):
    """One way of asking (the ranking needs an area to rank: the district's subdistrict)."""
    return ASKING[request.param]


def _home(client, asking):
    with CaptureQueriesContext(connection) as queries:
        response = asking(client)
    return response, [query["sql"] for query in queries.captured_queries]


def _account_queries(queries):
    reads = ('FROM "auth_user"', 'FROM "campaign_staffscope"')
    return [sql for sql in queries if any(table in sql for table in reads)]


def test_the_second_request_reads_neither_the_user_nor_the_scope(asking, client, district_leader):
    client.force_login(district_leader)
    first, first_queries = _home(client, asking)
    again, queries = _home(client, asking)

    assert first.status_code == again.status_code == 200
    assert _account_queries(first_queries)
    assert _account_queries(queries) == []
    assert again.wsgi_request.user.pk == district_leader.pk
    assert staff_scope_for(again.wsgi_request.user).role == StaffScope.Role.DISTRICT_LEADER


def test_a_deactivated_user_is_out_on_the_next_request(asking, client, district_leader):
    client.force_login(district_leader)
    _home(client, asking)
    district_leader.is_active = False
    district_leader.save()

    response, _queries = _home(client, asking)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_new_password_ends_the_other_sessions(asking, client, district_leader):
    client.force_login(district_leader)
    _home(client, asking)
    district_leader.set_password("a-new-one-2026")
    district_leader.save()

    response, _queries = _home(client, asking)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_changed_scope_holds_from_the_next_request(asking, client, district_leader, subdistrict):
    client.force_login(district_leader)
    _home(client, asking)
    scope = StaffScope.objects.get(user=district_leader)
    scope.role, scope.district, scope.subdistrict = (
        StaffScope.Role.SUBDISTRICT_STAFF,
        None,
        subdistrict,
    )
    scope.save()

    response, _queries = _home(client, asking)

    assert staff_scope_for(response.wsgi_request.user).role == StaffScope.Role.SUBDISTRICT_STAFF


def test_a_revoked_tokens_account_is_out_though_update_sends_no_signal(
    asking, client, administrator, district
):
    token, _key = api_token_create(
        name="dashboard", access="read", district=district, created_by=administrator
    )
    client.force_login(token.user)  # it cannot log in; as if its session had been made
    assert _home(client, asking)[0].status_code == 200

    api_token_revoke(token=token)

    response, _queries = _home(client, asking)
    assert response.status_code == 302


def test_the_cache_keeps_no_password_hash_and_a_save_keeps_the_password(
    asking, client, district_leader
):
    district_leader.set_password("the-morning-2026")
    district_leader.save()
    client.force_login(district_leader)
    _home(client, asking)
    user = _home(client, asking)[0].wsgi_request.user

    kept = pickle.dumps(cache.get(f"session-user:{district_leader.pk}"))
    assert district_leader.password.encode() not in kept
    user.first_name = "王"
    user.save()  # a view saving the user it was given

    district_leader.refresh_from_db()
    assert district_leader.first_name == "王"
    assert district_leader.check_password("the-morning-2026")
    assert user.check_password("the-morning-2026")  # read when asked for


def test_a_page_served_whole_reads_the_user_as_before_and_keeps_it_for_the_reload(
    asking, client, district_leader
):
    client.force_login(district_leader)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    assert _account_queries([query["sql"] for query in queries.captured_queries])

    assert _account_queries(_home(client, asking)[1]) == []
