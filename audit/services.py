"""Writing the audit trail: one function, called by the receivers, the middleware and the
views that export. Events are only added, never changed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest

from audit.models import AuditEvent


def audit_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    username: str = "",
    status: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add one event. The user defaults to the request's; the address is the
    connection's (REMOTE_ADDR), never a header the client could forge."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    account = user if user is not None and user.is_authenticated else None
    event = AuditEvent(
        kind=kind,
        user=account,
        username=(username or (account.get_username() if account else ""))[:150],
        ip_address=(request.META.get("REMOTE_ADDR") or None) if request is not None else None,
        method=request.method[:8] if request is not None and request.method else "",
        path=request.get_full_path()[:500] if request is not None else "",
        status=status,
        detail=detail or {},
    )
    event.full_clean()
    event.save()
    return event
