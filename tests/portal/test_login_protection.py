"""Login protection (issue 8, item 2): django-axes locks a USERNAME, not an address.

Five wrong passwords lock that username for 15 minutes, from any address; colleagues behind
the same street-office address still log in. Forged X-Forwarded-For headers change
nothing. Every failure and lockout is kept and shown to administrators in the admin.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # noqa: S105 (the factories' password)
OFFICE = "10.20.30.40"  # one street office behind one NAT address
LOCKED = "该用户名密码错误次数过多，已锁定 15 分钟"


def attempt(username, password, *, client=None, address=OFFICE, **headers):
    client = client or Client()
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def fail(username, times, **kwargs):
    for _ in range(times):
        response = attempt(username, "wrong-password", **kwargs)
        assert response.status_code in (200, 429)
    return response


@pytest.fixture
def clerk(db):
    return UserFactory(username="wanli_clerk")


def test_four_failures_still_let_the_right_password_in(clerk):
    fail("wanli_clerk", 4)
    assert attempt("wanli_clerk", PASSWORD).status_code == 302


def test_the_fifth_failure_locks_the_username_even_for_the_right_password(clerk):
    response = fail("wanli_clerk", 5)
    assert response.status_code == 429
    response = attempt("wanli_clerk", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "请管理员解除锁定" in page
    assert "_auth_user_id" not in Client().session


def test_a_wrong_password_shows_the_chinese_login_error_before_the_lock(clerk):
    response = attempt("wanli_clerk", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_colleagues_behind_the_same_address_still_log_in(clerk):
    colleague = UserFactory(username="wanli_colleague")
    fail("wanli_clerk", 6)
    assert attempt(colleague.username, PASSWORD, address=OFFICE).status_code == 302


def test_rotating_x_forwarded_for_does_not_bypass_the_lock(clerk):
    for n in range(5):
        attempt("wanli_clerk", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = attempt("wanli_clerk", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429
    # The address recorded is the one the connection came from, not the forged header.
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {OFFICE}


def test_changing_address_does_not_bypass_the_lock(clerk):
    for n in range(5):
        attempt("wanli_clerk", "wrong-password", address=f"192.0.2.{n}")
    assert attempt("wanli_clerk", PASSWORD, address="192.0.2.200").status_code == 429


def test_the_lock_ends_after_fifteen_minutes(clerk):
    fail("wanli_clerk", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert attempt("wanli_clerk", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt("wanli_clerk", PASSWORD).status_code == 302


def test_a_success_resets_the_count(clerk):
    fail("wanli_clerk", 4)
    assert attempt("wanli_clerk", PASSWORD).status_code == 302
    fail("wanli_clerk", 4)
    assert attempt("wanli_clerk", PASSWORD).status_code == 302


def test_the_admin_login_counts_towards_the_same_lock(clerk):
    for _ in range(5):
        Client().post(
            reverse("admin:login"),
            {"username": "wanli_clerk", "password": "wrong-password"},
            REMOTE_ADDR=OFFICE,
        )
    assert attempt("wanli_clerk", PASSWORD).status_code == 429


def test_failures_and_lockouts_are_logged(clerk, caplog):
    fail("wanli_clerk", 5)
    log = AccessFailureLog.objects.filter(username="wanli_clerk").order_by("attempt_time", "pk")
    assert [row.locked_out for row in log] == [False] * 4 + [True]
    assert any("Locking out" in record.getMessage() for record in caplog.records)
    # Tries during the lock are refused and do not move the lock's start.
    fail("wanli_clerk", 3)
    assert AccessAttempt.objects.get(username="wanli_clerk").failures_since_start == 5


def test_administrators_see_the_lockout_in_the_admin(client, administrator, clerk):
    fail("wanli_clerk", 5)
    client.force_login(administrator)
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "wanli_clerk" in attempts
    assert OFFICE in attempts
    failures = client.get(reverse("admin:axes_accessfailurelog_changelist")).content.decode()
    assert "wanli_clerk" in failures


def test_an_administrator_unlocks_a_username_by_deleting_its_attempts(client, administrator, clerk):
    fail("wanli_clerk", 5)
    client.force_login(administrator)
    attempt_row = AccessAttempt.objects.get(username="wanli_clerk")
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt_row.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert attempt("wanli_clerk", PASSWORD).status_code == 302
