from django.contrib import admin
from django.shortcuts import redirect
from import_export.admin import ExportMixin, ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_mixins import AuditedExportMixin, AuditedImportMixin, HistoryRevertGuardMixin
from campaign.uploads import TranscodingImportMixin
from sites.models import DailyTally, Site, TallyImport
from sites.resources import DailyTallyResource, SiteResource


@admin.register(Site)
class SiteAdmin(
    AuditedImportMixin,
    TranscodingImportMixin,
    ImportMixin,
    HistoryRevertGuardMixin,
    SimpleHistoryAdmin,
):
    resource_classes = [SiteResource]
    list_display = [
        "code",
        "name",
        "kind",
        "subdistrict",
        "stations",
        "daily_capacity",
        "opens_at",
        "closes_at",
        "active_from",
        "active_to",
    ]
    list_filter = ["kind", "subdistrict__district", "subdistrict"]
    list_select_related = ["subdistrict"]
    search_fields = ["code", "name", "address"]
    autocomplete_fields = ["subdistrict"]


@admin.register(DailyTally)
class DailyTallyAdmin(AuditedExportMixin, HistoryRevertGuardMixin, ExportMixin, SimpleHistoryAdmin):
    """Tallies with their history; exported by natural codes in the import's own columns."""

    resource_classes = [DailyTallyResource]
    list_display = [
        "date",
        "site",
        "committee",
        "dose_kind",
        "count",
        "source",
        "entered_by",
        "updated_at",
        "version",
    ]
    list_filter = ["dose_kind", "source", "site__kind", "site__subdistrict"]
    list_select_related = ["site", "committee", "entered_by"]
    search_fields = ["site__code", "site__name", "committee__code", "committee__name"]
    autocomplete_fields = ["site", "committee"]
    date_hierarchy = "date"

    # Tallies change only through sites.services (version, history, snapshot rebuild),
    # so the admin shows them and their history but does not edit them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TallyImport)
class TallyImportAdmin(admin.ModelAdmin):
    """The import log. "Add" opens the import page, where a file is checked, previewed
    and confirmed through the same service as ``manage.py import_tallies``."""

    list_display = [
        "created_at",
        "file_name",
        "status",
        "user",
        "subdistrict",
        "encoding",
        "rows_new",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
    ]
    list_filter = ["status", "encoding", "subdistrict"]
    search_fields = ["file_name", "sha256", "user__username"]
    date_hierarchy = "created_at"

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("sites:import_index")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
