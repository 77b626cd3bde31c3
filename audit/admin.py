"""The audit in the admin: events and snapshot builds (tally changes: ``sites.admin``).

Read by superusers (administrators) only, and written only by the application: the admin
can neither add, change nor delete a row here, not even a superuser's. Every list is one
query for its page of rows, whatever the page size (related rows joined, not fetched).
"""

from django.contrib import admin
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import ReadOnlyAuditAdmin, detail_value_label
from audit.models import AuditEvent, SnapshotBuild

# --- events


DETAIL_LABELS = {
    "model": _("data imported"),
    "file": _("file name"),
    "sha256": "SHA-256",
    "size": _("size in bytes"),
    "encoding": _("encoding"),
    "outcome": _("outcome"),
    "rows": _("rows"),
    "new": _("new"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "deleted": _("deleted rows"),
    "rejected": _("rejected"),
    "format": _("file format"),
    "subdistrict": _("subdistrict"),
    "code": _("code"),
    "name": _("name"),
    "date": _("date"),
    "data_as_of": _("data as of"),
    "text": _("note"),
}
HIDDEN_DETAIL = {"import_id", "bulletin_id", "note_id", "stored_as", "area", "notes"}
MODELS = {
    "tally": _("daily tallies"),
    "dailytally": _("daily tallies"),
    "committee": _("residential committees"),
    "site": _("vaccination sites"),
    "target": _("targets"),
}


def _value(key: str, value) -> str:
    if key == "data_as_of":
        moment = parse_datetime(str(value))
        return date_format(localtime(moment), "Y-m-d H:i:s") if moment else str(value)
    if key == "model":
        return str(MODELS.get(value, value))
    return str(detail_value_label(key, value))


def detail_summary(detail: dict) -> str:
    """The event's detail as "label: value" pairs, in the page's language, in the order of
    ``DETAIL_LABELS`` (PostgreSQL's jsonb keeps no key order)."""
    order = {key: n for n, key in enumerate(DETAIL_LABELS)}
    keys = sorted(detail, key=lambda key: (order.get(key, len(order)), key))
    parts = [
        f"{DETAIL_LABELS.get(key, key)}: {_value(key, detail[key])}"
        for key in keys
        if key not in HIDDEN_DETAIL and detail[key] not in (None, "")
    ]
    parts += [
        f"{note.get('date')} {note.get('name')}: {note.get('text')}"
        for note in detail.get("notes", [])
    ]
    return " · ".join(parts)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAuditAdmin):
    list_display = [
        "created_at",
        "kind",
        "username",
        "summary",
        "ip_address",
        "method",
        "path",
        "status",
    ]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["username", "path", "ip_address", "detail__file", "detail__sha256"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "summary"]

    @admin.display(description=_("event summary"))
    def summary(self, event: AuditEvent) -> str:
        return detail_summary(event.detail)


# --- snapshot builds


@admin.register(SnapshotBuild)
class SnapshotBuildAdmin(ReadOnlyAuditAdmin):
    list_display = [
        "started_at",
        "first_date",
        "last_date",
        "tallies_changed_at",
        "status",
        "trigger",
        "seconds",
        "job",
        "task_id",
        "computed_at",
    ]
    list_filter = ["status", "trigger", "started_at"]
    search_fields = ["job", "task_id", "error"]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "seconds"]

    @admin.display(description=_("duration (s)"))
    def seconds(self, build: SnapshotBuild) -> str:
        return f"{(build.finished_at - build.started_at).total_seconds():.1f}"
