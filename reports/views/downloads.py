"""A file sent as a download; every download is in the audit trail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from audit.models import AuditEvent
from audit.services import audit_record


def audited_attachment(
    request: HttpRequest, content: bytes, *, content_type: str, filename: str, detail: dict
) -> HttpResponse:
    """``content`` as an attachment named ``filename``, recorded as an export with
    ``detail`` (what was exported) next to the file name."""
    response = HttpResponse(content, content_type=content_type)
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        request=request,
        status=response.status_code,
        detail={"file": filename, **detail},
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response
