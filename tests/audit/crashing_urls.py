"""The portal's URLs plus views that record an audit event, write a row, then fail."""

from django.http import Http404
from django.urls import path

from audit.models import AuditEvent
from audit.services import audit_record
from campaign.models import District
from portal.urls import urlpatterns as portal_urlpatterns


def audited_then_crash(request):
    District.objects.create(code="CRASH", name="回滚区", eligible_population=1)
    audit_record(kind=AuditEvent.Kind.EXPORT, detail={"file": "tallies\0.csv"})
    raise RuntimeError("the view failed after auditing")


def audited_then_not_found(request):
    audit_record(kind=AuditEvent.Kind.EXPORT, detail={"file": "ranking.csv"})
    raise Http404


urlpatterns = [
    path("test-crash/", audited_then_crash),
    path("test-not-found/", audited_then_not_found),
    *portal_urlpatterns,
]
