"""Writing the audit trail. Events are only added, never changed: ``audit_record`` is
called by the receivers, the middleware, the exports and the services that import,
publish and write notes; ``snapshot_build_record`` by the snapshot rebuild."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from audit.models import AuditEvent, SnapshotBuild

# The request being answered, set by audit.middleware, so that a service called from a
# view records the address and the page without taking the request as an argument. Empty
# in jobs and commands.
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
# The events recorded while that request is answered: when its view fails, its
# transaction (ATOMIC_REQUESTS) rolls them back, and the middleware writes them again.
request_events: ContextVar[list[AuditEvent] | None] = ContextVar("audit_events", default=None)


def audit_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: User | AnonymousUser | None = None,
    username: str = "",
    status: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event. The user defaults to the request's; the address is the
    connection's (REMOTE_ADDR), never a header the client could forge. Without a request,
    the one being answered is used, if any."""
    if request is None:
        request = current_request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    account = user if user is not None and user.is_authenticated else None
    event = AuditEvent(
        kind=kind,
        user=account,
        username=_storable_text((username or (account.get_username() if account else ""))[:150]),
        ip_address=(request.META.get("REMOTE_ADDR") or None) if request is not None else None,
        method=request.method[:8] if request is not None and request.method else "",
        path=_storable_text(request.get_full_path()[:500]) if request is not None else "",
        status=status,
        detail=_storable(detail or {}),
    )
    event.full_clean()
    event.save()
    if (recorded := request_events.get()) is not None:
        recorded.append(event)
    return event


def audit_rewrite_rolled_back(events: list[AuditEvent]) -> int:
    """Write again the events a failed request's rollback took away (after the rollback,
    in autocommit); returns how many. Events still there are left alone."""
    kept = set(
        AuditEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("pk", flat=True)
    )
    rewritten = 0
    for event in events:
        if event.pk in kept:
            continue
        event.pk = None
        event._state.adding = True
        if event.user_id is not None and not _user_exists(event.user_id):
            event.user = None  # an account created by the failed request is gone too
        event.save()
        rewritten += 1
    return rewritten


def _user_exists(pk: int) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=pk).exists()


def _storable_text(text: str) -> str:
    """PostgreSQL keeps no NUL character in text or JSON: shown as the two characters \\0."""
    return text.replace("\0", "\\0")


def _storable(value: object) -> object:
    """``_storable_text`` for every text of a JSON value."""
    if isinstance(value, str):
        return _storable_text(value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def snapshot_build_record(
    *,
    first_date: date,
    last_date: date,
    started_at: datetime,
    finished_at: datetime,
    trigger: str,
    job: str = "",
    task_id: str = "",
    computed_at: datetime | None = None,
    tallies_changed_at: datetime | None = None,
    error: str = "",
) -> SnapshotBuild:
    """Log one rebuild of the snapshots; failed when ``error`` says why."""
    build = SnapshotBuild(
        first_date=first_date,
        last_date=last_date,
        started_at=started_at,
        finished_at=finished_at,
        computed_at=computed_at,
        tallies_changed_at=tallies_changed_at,
        trigger=trigger,
        job=job[:100],
        task_id=(task_id or "")[:64],
        status=SnapshotBuild.Status.FAILED if error else SnapshotBuild.Status.BUILT,
        error=error,
    )
    build.full_clean()
    build.save()
    return build
