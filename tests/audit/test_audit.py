"""The audit trail (issue 8, item 6, first part): logins, logouts, failed logins, lockouts,
refused accesses and exports are recorded; administrators read them; nobody edits them."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from tests.auth import log_in
from tests.factories import CommitteeFactory, SubdistrictFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # noqa: S105 (the factories' password)
OFFICE = "10.20.30.40"


def events(kind):
    return list(AuditEvent.objects.filter(kind=kind).order_by("pk"))


def test_a_login_and_a_logout_are_recorded_with_who_and_from_where(subdistrict_staff):
    client = Client(REMOTE_ADDR=OFFICE)
    assert log_in(client, "clerk", PASSWORD)
    client.post(reverse("logout"))
    [login] = events(AuditEvent.Kind.LOGIN)
    assert (login.user, login.username, login.ip_address) == (subdistrict_staff, "clerk", OFFICE)
    assert login.path == reverse("login")
    [logout] = events(AuditEvent.Kind.LOGOUT)
    assert logout.user == subdistrict_staff


def test_a_failed_login_keeps_the_username_as_typed_and_never_the_password(db):
    client = Client(REMOTE_ADDR=OFFICE)
    assert not log_in(client, "nobody-here", "secret-guess-123")
    [failed] = events(AuditEvent.Kind.LOGIN_FAILED)
    assert failed.user is None
    assert (failed.username, failed.ip_address) == ("nobody-here", OFFICE)
    assert "secret-guess-123" not in str(AuditEvent.objects.values())


def test_a_lockout_is_recorded_and_so_is_each_try_during_it(db):
    UserFactory(username="wanli_clerk")
    client = Client(REMOTE_ADDR=OFFICE)
    for _ in range(5):
        log_in(client, "wanli_clerk", "wrong-password")
    assert [e.username for e in events(AuditEvent.Kind.LOCKOUT)] == ["wanli_clerk"]
    assert not log_in(client, "wanli_clerk", PASSWORD)  # refused by the lock
    assert len(events(AuditEvent.Kind.LOCKOUT)) == 2
    assert len(events(AuditEvent.Kind.LOGIN_FAILED)) == 6
    assert events(AuditEvent.Kind.LOGIN) == []


def test_an_access_outside_the_scope_is_recorded(client, subdistrict_staff):
    far = CommitteeFactory(subdistrict=SubdistrictFactory())
    client.force_login(subdistrict_staff)
    url = reverse("reports:committee", args=[far.pk])
    assert client.get(url, REMOTE_ADDR=OFFICE).status_code == 404
    assert client.get(reverse("logout")).status_code == 405
    refused = events(AuditEvent.Kind.REFUSED)
    assert [(e.user, e.method, e.path, e.status) for e in refused] == [
        (subdistrict_staff, "GET", url, 404),
        (subdistrict_staff, "GET", reverse("logout"), 405),
    ]
    assert refused[0].ip_address == OFFICE


def test_pages_that_open_record_nothing(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    assert client.get(reverse("home")).status_code == 200
    assert not AuditEvent.objects.exclude(kind=AuditEvent.Kind.LOGIN).exists()


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("reports:export_tallies", "tallies-"),
        ("reports:export_ranking", "ranking-"),
        ("reports:export_targets", "targets-"),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_export_is_recorded_with_its_file(
    client, subdistrict_staff, committee, name, stem, kind
):
    client.force_login(subdistrict_staff)
    response = client.get(reverse(name), {"format": kind})
    assert response.status_code == 200
    [export] = events(AuditEvent.Kind.EXPORT)
    assert export.user == subdistrict_staff
    assert export.detail["file"].startswith(stem)
    assert export.detail["file"].endswith(f".{kind}")
    assert export.detail["file"] in response["Content-Disposition"]
    assert export.detail["rows"] >= 0
    assert export.path.startswith(reverse(name))


# --- read by administrators, edited by nobody


@pytest.fixture
def recorded(subdistrict_staff):
    log_in(Client(REMOTE_ADDR=OFFICE), "clerk", PASSWORD)
    return AuditEvent.objects.get()


def test_administrators_read_the_audit(client, administrator, recorded):
    client.force_login(administrator)
    page = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "clerk" in page
    assert OFFICE in page
    detail = client.get(reverse("admin:audit_auditevent_change", args=[recorded.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()


def test_nobody_edits_or_deletes_the_audit_through_the_admin(client, administrator, recorded):
    client.force_login(administrator)
    change = reverse("admin:audit_auditevent_change", args=[recorded.pk])
    assert client.post(change, {"username": "someone-else"}).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[recorded.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    changelist = reverse("admin:audit_auditevent_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [recorded.pk]})
    recorded.refresh_from_db()
    assert recorded.username == "clerk"
    assert AuditEvent.objects.filter(username="clerk").count() == 1


def test_staff_without_superuser_rights_do_not_read_the_audit(client, recorded):
    staff = UserFactory(username="wanli_admin", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 403
