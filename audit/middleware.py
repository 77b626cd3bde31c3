from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from audit.services import audit_record, current_request

# Answers that refuse: not allowed, outside the scope (404 — the same answer as an id that
# does not exist, so a typo is recorded too), wrong method.
REFUSED = {403, 404, 405}


class RefusedAccessMiddleware:
    """Records every refused request of a logged-in user: who, what, the answer. While a
    request is answered it is kept at hand (``audit.services.current_request``), so the
    events that services record (imports, publications, notes) carry its address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if getattr(request, "audit_recorded", False):
            return response  # the view recorded its own event (the API: one per call)
        user = getattr(request, "user", None)
        if response.status_code in REFUSED and user is not None and user.is_authenticated:
            audit_record(kind=AuditEvent.Kind.REFUSED, request=request, status=response.status_code)
        return response
