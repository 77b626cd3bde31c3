from collections import Counter

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.db import router
from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.admin import ExportMixin, ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_mixins import AuditedExportMixin, AuditedImportMixin, HistoryRevertGuardMixin
from campaign.uploads import TranscodingImportMixin
from sites.models import DailyTally, MobileVisit, Site, SitePlan, TallyImport
from sites.resources import DailyTallyResource, SiteResource


class ProtectedSummaryMixin:
    """A row that others protect (a site's or committee's tallies, the tallies a user
    entered) cannot be deleted. Django's delete page would name every protecting row, and
    each name reads its site and committee: one query per row, thousands for a city site.
    Say how many of each kind instead; rows nothing protects are deleted as usual."""

    def get_deleted_objects(self, objs, request):
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        if not collector.protected:
            return super().get_deleted_objects(objs, request)
        counts = Counter(type(row) for row in collector.protected)
        protected = [
            _("%(objects)s: %(count)s")
            % {"objects": capfirst(model._meta.verbose_name_plural), "count": f"{count:,}"}
            for model, count in sorted(counts.items(), key=lambda item: item[0]._meta.label)
        ]
        return [], {}, set(), protected


@admin.register(Site)
class SiteAdmin(
    ProtectedSummaryMixin,
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
    # Both may be empty, and a bare select_related() follows only non-null keys.
    list_select_related = ["user", "subdistrict"]
    search_fields = ["file_name", "sha256", "user__username"]
    date_hierarchy = "created_at"

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("sites:import_index")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(HistoryRevertGuardMixin, SimpleHistoryAdmin):
    """Plans and visits are written through ``sites.services.plans`` (the plan grid and the visit
    page), so the admin shows them and their history without editing them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SitePlan)
class SitePlanAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "site", "planned_doses", "entered_by", "updated_at"]
    list_filter = ["site__kind", "site__subdistrict"]
    list_select_related = ["site", "entered_by"]
    search_fields = ["site__code", "site__name"]
    date_hierarchy = "date"


@admin.register(MobileVisit)
class MobileVisitAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "site", "committee", "compound", "doses", "entered_by"]
    list_filter = ["site__subdistrict", "site"]
    list_select_related = ["site", "committee", "entered_by"]
    search_fields = ["site__name", "committee__name", "compound", "note"]
    date_hierarchy = "date"
