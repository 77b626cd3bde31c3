"""Admin plumbing of the audit.

The admin's file imports (committees, sites, targets; django-import-export) are recorded
as the tally import service records its own: one event when a file is checked (the dry
run and its preview), one when the checked file is imported, each with the file's
SHA-256, its counts and the account. History pages write only with the change permission."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from audit.services import audit_record

if TYPE_CHECKING:  # the admin classes these go before, for the checker
    from django.db.models import Model
    from django.template.response import TemplateResponse
    from import_export.admin import ImportMixin

    _ImportBase = ImportMixin[Any]
else:
    _ImportBase = object


# Labels of values an event's detail holds, given by the app that writes them (the tally
# import's outcome is a ``sites`` choice): the audit imports no app above it.
DETAIL_VALUE_LABELS: dict[str, dict[str, str]] = {}


def detail_value_labels_register(key: str, choices) -> None:
    """Show the detail ``key``'s values with these ``(value, label)`` choices."""
    DETAIL_VALUE_LABELS[key] = dict(choices)


def detail_value_label(key: str, value):
    return DETAIL_VALUE_LABELS.get(key, {}).get(value, value)


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    """Superusers read; nobody adds, changes or deletes."""

    show_full_result_count = False  # no second COUNT(*) over a table of millions of rows

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _counts(result) -> dict:
    totals = result.totals
    return {
        "rows": result.total_rows,
        "new": totals.get("new", 0),
        "updated": totals.get("update", 0),
        "unchanged": totals.get("skip", 0),
        "deleted": totals.get("delete", 0),
        "rejected": totals.get("error", 0) + totals.get("invalid", 0),
    }


class AuditedImportMixin(_ImportBase):
    """Put before ``ImportMixin`` in an admin class's bases."""

    model: type[Model]  # the ModelAdmin's

    def import_action(self, request: HttpRequest, **kwargs: Any) -> TemplateResponse:
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = (
            form.cleaned_data.get("import_file") if form is not None and form.is_bound else None
        )
        if request.method == "POST" and form is not None and upload is not None:
            result = context.get("result")
            refused = (
                form.errors
                or result is None
                or result.has_errors()
                or result.has_validation_errors()
            )
            audit_record(
                kind=AuditEvent.Kind.IMPORT_CHECKED,
                request=request,
                detail={
                    "model": self.model._meta.model_name,
                    "file": upload.name,
                    "sha256": hashlib.sha256(b"".join(upload.chunks())).hexdigest(),
                    "size": upload.size,
                    "outcome": "refused" if refused else "checked",
                    "stored_as": getattr(upload, "tmp_storage_name", ""),
                    **(_counts(result) if result is not None else {}),
                },
            )
        return response

    def process_result(self, result, request: HttpRequest) -> HttpResponse:
        """After the confirmed import (in its transaction): the hash is the checked file's,
        found by the name the file was stored under between check and confirmation."""
        stored = request.POST.get("import_file_name", "")
        user = request.user if isinstance(request.user, User) else None  # the admin's: signed in
        checked = (
            AuditEvent.objects.filter(
                kind=AuditEvent.Kind.IMPORT_CHECKED, user=user, detail__stored_as=stored
            )
            .order_by("-pk")
            .first()
            if stored and user
            else None
        )
        audit_record(
            kind=AuditEvent.Kind.IMPORTED,
            request=request,
            detail={
                "model": self.model._meta.model_name,
                "file": request.POST.get("original_file_name", ""),
                "sha256": checked.detail.get("sha256", "") if checked else "",
                "size": checked.detail.get("size") if checked else None,
                "outcome": "imported",
                **_counts(result),
            },
        )
        return super().process_result(result, request)


class HistoryRevertGuardMixin:
    """For django-simple-history admin classes whose rows the admin may not change.

    The history page of a version (``history_form_view``) saves the posted form as the
    object, checking only the *view* permission: a tally could be set there, past the
    service that checks, versions and rebuilds it, and without the old value in its
    history. Without the change permission the page only shows the version.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
