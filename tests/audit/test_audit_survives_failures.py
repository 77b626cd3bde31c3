"""A request that fails still leaves its audit events (issue 17, item 8): the request's
transaction rolls back its data, not the trail of what was tried."""

import pytest

from audit.models import AuditEvent
from campaign.models import District

pytestmark = pytest.mark.urls("tests.audit.crashing_urls")


@pytest.mark.django_db(transaction=True)  # the request's own transaction, really rolled back
def test_a_view_that_raises_after_auditing_still_leaves_its_event(client, subdistrict_staff):
    client.raise_request_exception = False
    client.force_login(subdistrict_staff)
    response = client.get("/test-crash/")
    assert response.status_code == 500
    assert not District.objects.filter(code="CRASH").exists()  # the data is rolled back
    export = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert export.user == subdistrict_staff
    assert export.path == "/test-crash/"
    assert export.detail == {"file": "tallies\\0.csv"}  # PostgreSQL JSON holds no NUL
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.FAILED)
    assert (failed.status, failed.detail) == (500, {"error": "RuntimeError"})
    assert failed.username == subdistrict_staff.username


@pytest.mark.django_db(transaction=True)
def test_an_event_before_a_404_is_kept_once(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    assert client.get("/test-not-found/").status_code == 404
    kinds = sorted(
        AuditEvent.objects.exclude(kind=AuditEvent.Kind.LOGIN).values_list("kind", flat=True)
    )
    assert kinds == [AuditEvent.Kind.EXPORT, AuditEvent.Kind.REFUSED]
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.FAILED).exists()


@pytest.mark.django_db
def test_a_request_that_succeeds_writes_its_events_once(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    assert client.get("/exports/tallies/").status_code == 200
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).count() == 1
