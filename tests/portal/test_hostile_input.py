"""No input gives a 500 (issue 17, item 5).

Every URL pattern of the portal is walked as the access matrix walks it (its table of
endpoints and world). For each one, the query parameters and form fields its view reads
are found by recording which keys it looks up in ``request.GET`` and ``request.POST``;
then each of them is sent every value of ``HOSTILE`` in turn, with GET and with POST. The
admin's change lists get the same values in every filter parameter they offer. Every
answer must be one a user can act on: 200, 302, 400, 403, 404 or 405, never 500.
"""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib import admin
from django.core.signals import got_request_exception
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse

from api.models import ApiToken
from api.services import api_token_create
from sites.models import TallyChange
from tests.portal import test_access_matrix
from tests.portal.test_access import every_url
from tests.portal.test_access_matrix import STAFF, URLS, url

pytestmark = pytest.mark.django_db

world = test_access_matrix.world  # the access matrix's areas and roles

HOSTILE = {
    "superscript two": "²",
    "circled one": "①",
    "Arabic-Indic three": "٣",
    "first day of the calendar": "0001-01-01",
    "last day of the calendar": "9999-12-31",
    "5,000 digits": "9" * 5000,
    "an area with 5,000 digits": "district:" + "9" * 5000,
    "an area with a superscript": "subdistrict:²",
    "empty": "",
    "negative": "-1",
    "NaN": "NaN",
    "10,000 characters": "字" * 10_000,
    "NUL": "1\x00",
    "RTL marks": "\u202e1\u200f",
    "a word": "abc",
    "full-width digits": "１２",
}
# The values that reach an admin filter's query (ids, dates, text): a shorter list, as
# there are hundreds of filter parameters.
ADMIN_HOSTILE = {
    label: HOSTILE[label]
    for label in (
        "a word",
        "superscript two",
        "5,000 digits",
        "first day of the calendar",
        "last day of the calendar",
        "negative",
        "NUL",
        "10,000 characters",
    )
}
# 429: the API's per-token write limit, reached by the walk's many POSTs.
ANSWERS = {200, 302, 400, 403, 404, 405, 429}


class KeysRead:
    """Records every key a view looks up in a QueryDict (GET, POST) while active."""

    def __init__(self):
        self.keys: set[str] = set()

    @contextlib.contextmanager
    def recording(self):
        originals = {name: getattr(QueryDict, name) for name in ("get", "__getitem__", "getlist")}
        contains = QueryDict.__contains__

        def wrap(name):
            def method(qd, key, *args, **kwargs):
                self.keys.add(key)
                return originals[name](qd, key, *args, **kwargs)

            return method

        def contains_wrapper(qd, key):
            self.keys.add(key)
            return contains(qd, key)

        try:
            for name in originals:
                setattr(QueryDict, name, wrap(name))
            QueryDict.__contains__ = contains_wrapper
            yield self
        finally:
            for name, method in originals.items():
                setattr(QueryDict, name, method)
            QueryDict.__contains__ = contains


@pytest.fixture
def crashes():
    """The exceptions behind the 500s, so a failure says what broke."""
    seen = []

    def record(sender, request, **kwargs):
        import sys

        seen.append(repr(sys.exc_info()[1])[:300])

    got_request_exception.connect(record)
    yield seen
    got_request_exception.disconnect(record)


def split(target: str) -> tuple[str, dict]:
    parts = urlsplit(target)
    return parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))


def with_value(path: str, query: dict, key: str, value: str) -> str:
    return f"{path}?{urlencode({**query, key: value})}"


IGNORED_KEYS = {"csrfmiddlewaretoken"}
# A login attempt reaches django-axes only with both fields filled in.
BASE_POSTS = {"login": {"username": "nobody", "password": "wrong-password"}}
# Pages that read no parameter at all (the walk would notice one added).
# Addresses whose parts are a key rather than an object: a new account's set-password link
# with a token that is not valid (what a stale or mistyped link sends).
LINKS = {"password_set": "/accounts/set-password/MQ/not-a-valid-token/"}
PARAMETERLESS = {
    "campaign:buildings",
    "password_reset_complete",
    "password_set",
    "reports:quality",
    "sites:import_discard",
    "health",
    "service_worker",
    "web_manifest",
    "home",
    "password_change_done",
    "reports:bulletin",
    "reports:bulletin_png",
    "reports:bulletin_xlsx",
    "reports:bulletins",
    "sites:history",
    "sites:import_confirm",
    "sites:import_detail",
    "sites:import_index",  # its file comes in request.FILES: the import tests send files
    "sites:visit_delete",
}


def keys_read(client, target: str, post: dict) -> tuple[set[str], set[str]]:
    """The keys the view looks up when asked with GET, and the further ones with POST."""
    with transaction.atomic():
        with KeysRead().recording() as on_get:
            client.get(target)
        with KeysRead().recording() as on_post:
            client.post(target, post)
        transaction.set_rollback(True)
    read = {key for key in on_get.keys | on_post.keys if isinstance(key, str)} - IGNORED_KEYS
    get_keys = read & on_get.keys
    return get_keys, read - get_keys


def hostile_requests(client, target: str, post: dict, failures: list, crashes: list) -> int:
    """Each key the view reads, each hostile value; what they write is rolled back."""
    path, query = split(target)
    get_keys, post_keys = keys_read(client, target, post)
    requests = [
        ("GET", key, label, lambda k=key, v=value: client.get(with_value(path, query, k, v)))
        for key in sorted(get_keys)
        for label, value in HOSTILE.items()
    ] + [
        # With the rest of a valid form, and alone (a switch such as "report_zero" in the
        # valid form would skip the field).
        ("POST", key, label, lambda k=key, v=value, b=base: client.post(target, {**b, k: v}))
        for key in sorted(post_keys)
        for label, value in HOSTILE.items()
        for base in ([post, {}] if post else [{}])
    ]
    for method, key, label, send in requests:
        del crashes[:]
        with transaction.atomic():
            status = send().status_code
            transaction.set_rollback(True)
        if status not in ANSWERS:
            failures.append((method, target, key, label, status, list(crashes)))
    return len(requests)


def api_token(client, home) -> None:
    """The API's addresses are walked as a district system calls them: with a read-write
    token of the home subdistrict (the pages ignore the header)."""
    _token, key = api_token_create(
        name="walk", access=ApiToken.Access.READ_WRITE, subdistrict=home.subdistrict
    )
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"


def test_no_hostile_value_in_any_parameter_gives_a_500(client, world, crashes):
    """One walk over the whole table (the world is built once: it takes seconds)."""
    client.raise_request_exception = False
    home = world["home"]
    api_token(client, home)
    failures, sent, silent = [], 0, set()
    for name, endpoint in sorted(URLS.items()):
        client.logout()
        if not endpoint.anonymous:  # the login page and the language switch as a visitor
            client.force_login(world["users"][STAFF])
        sent_here = 0
        post = BASE_POSTS.get(name) or endpoint.post(home)
        for target in endpoint.urls(home) if endpoint.urls else [LINKS.get(name) or url(name)]:
            sent_here += hostile_requests(client, target, post, failures, crashes)
        if not sent_here:
            silent.add(name)
        sent += sent_here
    assert not failures, "\n".join(str(failure)[:400] for failure in failures)
    # The walk found the parameters: only these pages read none (a new one is noticed).
    assert silent == PARAMETERLESS
    assert sent > 1000


def changelist_parameters(client, changelist: str) -> set[str]:
    """The filter parameters a change list offers."""
    response = client.get(changelist)
    assert response.status_code == 200, changelist
    cl = response.context["cl"]
    offered = set()
    for spec in cl.filter_specs:
        offered.update(spec.expected_parameters())
    return offered


def test_no_hostile_value_in_an_admin_filter_gives_a_500(client, administrator, crashes):
    """Every registered model's change list, every filter it offers (audit's tally
    changes with ?subdistrict=abc or a NUL among them)."""
    client.raise_request_exception = False
    client.force_login(administrator)
    failures, sent = [], 0
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        keys = changelist_parameters(client, changelist)
        if model is TallyChange:  # search, ordering and page are Django's own: once is enough
            keys |= {"q", "o", "p"}
        for key in sorted(keys):
            for label, value in ADMIN_HOSTILE.items():
                del crashes[:]
                status = client.get(with_value(changelist, {}, key, value)).status_code
                sent += 1
                if status not in ANSWERS:
                    failures.append((changelist, key, label, status, list(crashes)))
    assert not failures, "\n".join(str(failure)[:400] for failure in failures)
    assert sent > 300


@pytest.mark.parametrize("login", ["login", "admin:login"])
def test_a_10000_character_username_is_a_failed_login_kept_bounded(client, login):
    """Refused like a wrong password; django-axes and the audit trail keep it cut to the
    longest username an account can have (axes' column holds 255)."""
    from axes.models import AccessAttempt

    from audit.models import AuditEvent

    username = "字" * 10_000
    response = client.post(reverse(login), {"username": username, "password": "whatever-12"})
    assert response.status_code == 200
    assert response.context["form"].errors  # the wrong-password message, nothing else
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "字" * 150
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert event.username == "字" * 150


def test_no_hostile_id_or_day_in_an_address_gives_a_500(client, world, crashes):
    """Every pattern with ids (5,000 digits, one past the 64-bit range) and the entry
    grid's day at the ends of the calendar."""
    client.raise_request_exception = False
    client.force_login(world["users"][STAFF])
    api_token(client, world["home"])
    site = world["home"].site.pk
    targets = [
        sample.replace("/1/", f"/{digits}/")
        for _name, sample in every_url()
        if "/1/" in sample
        for digits in ("9" * 5000, str(2**63))
    ]
    targets += [
        reverse(name, args=[site, day])
        for name in ("sites:entry", "sites:history")
        for day in ("0001-01-01", "9999-12-31", "2021-02-30", "²", "\u202e2021-06-29")
    ]
    failures = []
    for target in targets:
        del crashes[:]
        for method in (client.get, client.post):
            status = method(target).status_code
            if status not in ANSWERS:
                failures.append((method.__name__, target[:80], status, list(crashes)))
    assert not failures, "\n".join(map(str, failures))
    assert len(targets) > 30
