"""The API's views: parse the request, ask a selector or a service, answer JSON.

Every call is one audit event (``api_call``: the token, the address, what was asked, the
answer) and sets the token's "last used"; reads carry an ETag and answer 304 to a
matching If-None-Match."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import serializers as s
from api.models import ApiToken
from api.permissions import TokenReads, TokenWrites
from api.problems import problem
from api.selectors import (
    AreaNotFound,
    area_for,
    areas_of,
    figures_date,
    import_for,
    ranking_of,
    sites_of,
    summary_of,
    targets_of,
)
from api.services import (
    api_token_used,
    idempotent_answer_find,
    idempotent_answer_keep,
    rows_as_csv,
    tallies_push,
)
from api.throttles import TokenWriteThrottle
from audit.models import AuditEvent
from audit.services import audit_record
from campaign.access import staff_scope_for
from campaign.uploads import MAX_UPLOAD_BYTES
from sites.models import TallyImport

PROBLEMS = {
    (code, "application/problem+json"): OpenApiResponse(s.ProblemSerializer)
    for code in (400, 401, 403, 404, 406, 415)
}
WRITE_PROBLEMS = {
    **PROBLEMS,
    (409, "application/problem+json"): OpenApiResponse(s.ImportProblemSerializer),
    (413, "application/problem+json"): OpenApiResponse(s.ProblemSerializer),
    (422, "application/problem+json"): OpenApiResponse(s.ImportProblemSerializer),
    (429, "application/problem+json"): OpenApiResponse(s.ProblemSerializer),
}


def request_language(header: str) -> str:
    """Simplified Chinese unless the client asks for English before Chinese."""
    for tag, _quality in parse_accept_lang_header(header.lower()[:200]):
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh-hans"
    return "zh-hans"


class ApiView(APIView):
    permission_classes = [TokenReads]
    audit_detail: dict[str, Any] = {}  # what a view adds to its call's audit event

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        language = request_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
            response["Content-Language"] = language
            return response

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        detail: dict[str, Any] = {"api": self.get_view_name()}
        if token is not None:
            detail.update({"token": token.prefix, "token_name": token.name})
            api_token_used(token=token)
        detail.update(self.audit_detail)
        audit_record(
            kind=AuditEvent.Kind.API_CALL,
            request=request._request,
            user=token.user if token else None,
            status=response.status_code,
            detail=detail,
        )
        # So the refusal middleware adds none.
        request._request.audit_recorded = True  # type: ignore[attr-defined]
        response["Vary"] = "Authorization, Accept-Language"
        return response

    def scope(self, request: Request):
        return staff_scope_for(request.user)

    def query(self, request: Request, serializer_class: type) -> dict[str, Any]:
        serializer = serializer_class(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def etagged(self, request: Request, data: dict[str, Any]) -> Response:
        """The answer with its ETag (a hash of the JSON); 304 when the client has it."""
        body = JSONRenderer().render(data)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        asked = request.headers.get("If-None-Match", "")
        if etag in [tag.strip().removeprefix("W/") for tag in asked.split(",")] or asked == "*":
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)


FIGURE_PARAMS = [
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)
]


def _read_schema(answer: type, query: type | OpenApiParameter | None = None, **extra: Any) -> Any:
    responses: dict[Any, Any] = {(200, "application/json"): answer, 304: None, **PROBLEMS}
    return extend_schema(
        parameters=[*([query] if query else []), *FIGURE_PARAMS], responses=responses, **extra
    )


class AreasView(ApiView):
    @_read_schema(s.AreasSerializer, summary="Districts, subdistricts and committees in scope")
    def get(self, request: Request) -> Response:
        return self.etagged(request, areas_of(self.scope(request)))


class SitesView(ApiView):
    @_read_schema(s.SitesSerializer, summary="Vaccination sites in scope")
    def get(self, request: Request) -> Response:
        return self.etagged(request, sites_of(self.scope(request)))


class FiguresView(ApiView):
    query_serializer: type = s.FiguresQuerySerializer

    def area_and_day(self, request: Request) -> tuple[Any, Any, dict[str, Any]]:
        params = self.query(request, self.query_serializer)
        try:
            area = area_for(self.scope(request), params.get("area"))
        except AreaNotFound:
            raise NotFound from None
        return area, figures_date(params.get("date")), params


class RankingView(FiguresView):
    query_serializer = s.RankingQuerySerializer

    @_read_schema(s.RankingSerializer, s.RankingQuerySerializer, summary="Committee ranking")
    def get(self, request: Request) -> Response:
        area, on, params = self.area_and_day(request)
        return self.etagged(request, ranking_of(area, on=on, sort=params["sort"]))


class TargetsView(FiguresView):
    @_read_schema(s.TargetsSerializer, s.FiguresQuerySerializer, summary="Target progress")
    def get(self, request: Request) -> Response:
        area, on, _params = self.area_and_day(request)
        return self.etagged(request, targets_of(self.scope(request), area, on=on))


class SummaryView(FiguresView):
    @_read_schema(
        s.SummarySerializer, s.FiguresQuerySerializer, summary="The bulletin's figures of a day"
    )
    def get(self, request: Request) -> Response:
        area, on, _params = self.area_and_day(request)
        figures = summary_of(area, on=on)
        if figures is None:
            return problem(404, _("There are no figures for that day yet."), code="no-figures")
        return self.etagged(request, figures)


def import_answer(request: Request, log: TallyImport, *, dry_run: bool, errors=None) -> dict:
    """The import log as the API shows it (the same figures as the import page)."""
    already = log.status == TallyImport.Status.ALREADY_IMPORTED
    rows = errors if errors is not None else log.errors
    queued = log.status in (TallyImport.Status.QUEUED, TallyImport.Status.RUNNING)
    return {
        "import_id": log.pk,
        "outcome": log.status,
        "dry_run": dry_run,
        "file_name": log.file_name,
        "sha256": log.sha256,
        "encoding": log.encoding,
        "rows": log.rows_total,
        "new": log.rows_new,
        "updated": log.rows_updated,
        "unchanged": log.rows_unchanged,
        "rejected": log.rows_rejected,
        "rejected_rows": [] if already else list(rows),
        "message": "; ".join(e["message"] for e in log.errors) if already else "",
        "job": reverse("api:import", args=[log.pk], request=request) if queued else None,
    }


class ImportView(ApiView):
    @_read_schema(
        s.ImportSerializer,
        OpenApiParameter("import_id", int, OpenApiParameter.PATH),
        summary="An import: poll a queued one here",
    )
    def get(self, request: Request, import_id: str) -> Response:
        # Any text in the path reaches here, so that a malformed id is a problem document
        # like any other 404, not the portal's HTML page.
        digits = import_id.isascii() and import_id.isdigit() and len(import_id) <= 18
        number = int(import_id) if digits else None
        log = import_for(self.scope(request), number) if number else None
        if log is None:
            raise NotFound
        return self.etagged(request, import_answer(request, log, dry_run=False))


class TalliesView(ApiView):
    permission_classes = [TokenWrites]
    throttle_classes = [TokenWriteThrottle]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        summary="Import tallies: a CSV or XLSX file, or JSON rows",
        request={
            "multipart/form-data": s.TallyFileSerializer,
            "application/json": s.TallyRowsSerializer,
        },
        parameters=[
            s.DryRunSerializer,
            OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
            ),
        ],
        responses={
            (200, "application/json"): s.ImportSerializer,
            (202, "application/json"): s.ImportSerializer,
            **WRITE_PROBLEMS,
        },
    )
    def post(self, request: Request) -> Response:
        dry_run = self.query(request, s.DryRunSerializer)["dry_run"]
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("file")
            if upload is None:
                return problem(400, _("Send the file in the field named file."))
            if upload.size > MAX_UPLOAD_BYTES:
                return problem(413)
            content, name, json_rows = upload.read(), upload.name or "upload", False
        else:
            rows = s.TallyRowsSerializer(data=request.data)
            rows.is_valid(raise_exception=True)
            content, name, json_rows = rows_as_csv(rows.validated_data["rows"]), "rows.json", True
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            return problem(400, _("The Idempotency-Key is longer than 255 characters."))
        fingerprint = hashlib.sha256(content + (b"\0dry" if dry_run else b"")).hexdigest()
        token = request.auth
        if not isinstance(token, ApiToken):  # TokenWrites lets only a token through
            raise NotAuthenticated
        if key:
            stored = idempotent_answer_find(token=token, key=key, request_sha256=fingerprint)
            if stored is not None and not stored.same_request:
                return problem(
                    422,
                    _("This Idempotency-Key was used for another request."),
                    code="idempotency-key-reused",
                    title=_("Idempotency-Key reused."),
                )
            if stored is not None:
                self.audit_detail = {"replayed": True}
                return Response(
                    stored.body,
                    status=stored.status,
                    headers={"Idempotent-Replayed": "true"},
                    content_type=_content_type(stored.status),
                )
        result = tallies_push(
            token=token, file_name=name, content=content, dry_run=dry_run, json_rows=json_rows
        )
        log = result.log
        body = import_answer(request, log, dry_run=dry_run, errors=result.errors)
        self.audit_detail = {"import_id": log.pk, "sha256": log.sha256, "outcome": log.status}
        response = self._answer(log, body)
        if key:
            idempotent_answer_keep(
                token=token,
                key=key,
                request_sha256=fingerprint,
                status=response.status_code,
                body=response.data,
            )
        return response

    def _answer(self, log: TallyImport, body: dict[str, Any]) -> Response:
        if log.status == TallyImport.Status.REFUSED:
            return problem(422, **body)
        if log.status == TallyImport.Status.FAILED:
            return problem(409, _messages(log), **body)
        if body["job"]:
            return Response(body, status=202, headers={"Location": body["job"]})
        return Response(body)


def _messages(log: TallyImport) -> str:
    return "; ".join(e["message"] for e in log.errors)


def _content_type(status_code: int) -> str:
    return "application/problem+json" if status_code >= 400 else "application/json"
