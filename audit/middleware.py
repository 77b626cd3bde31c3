import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from audit.services import (
    audit_record,
    audit_rewrite_rolled_back,
    current_request,
    request_events,
)

# Answers that refuse: not allowed, outside the scope (404 — the same answer as an id that
# does not exist, so a typo is recorded too), wrong method.
REFUSED = {403, 404, 405}

logger = logging.getLogger(__name__)


class RefusedAccessMiddleware:
    """Records every refused request of a logged-in user: who, what, the answer. While a
    request is answered it is kept at hand (``audit.services.current_request``), so the
    events that services record (imports, publications, notes) carry its address.

    A request whose view fails still leaves its events: the view's transaction
    (ATOMIC_REQUESTS) has rolled them back by the time its answer comes back here, so they
    are written again then, in autocommit, with an event for the failure itself
    (``transaction.on_commit`` would never run: there is no commit).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        events_token = request_events.set([])
        try:
            response = self.get_response(request)
            if response.status_code >= 400:  # perhaps a view that raised: undone
                _rewrite(request_events.get())
        finally:
            request_events.reset(events_token)
            current_request.reset(token)
        if getattr(request, "audit_recorded", False):
            return response  # the view recorded its own event (the API: one per call)
        user = getattr(request, "user", None)
        if response.status_code in REFUSED and user is not None and user.is_authenticated:
            audit_record(kind=AuditEvent.Kind.REFUSED, request=request, status=response.status_code)
        elif response.status_code >= 500:
            audit_record(
                kind=AuditEvent.Kind.FAILED,
                request=request,
                status=response.status_code,
                detail={"error": getattr(request, "audit_exception", "")},
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Only noted here: another middleware may still turn it into an answer.
        setattr(request, "audit_exception", type(exception).__name__)  # noqa: B010 - not a field of HttpRequest


def _rewrite(events) -> None:
    try:
        audit_rewrite_rolled_back(events)
    except DatabaseError:  # the database itself is what failed: the log keeps the trace
        logger.exception("audit events of a failed request could not be written again")
