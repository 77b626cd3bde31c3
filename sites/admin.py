from datetime import timedelta

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_mixins import (
    AuditedImportMixin,
    HistoryRevertGuardMixin,
    ReadOnlyAuditAdmin,
    detail_value_labels_register,
)
from campaign.access import administrator_accounts
from campaign.admin_mixins import ImportTemplateMixin, ProtectedSummaryMixin
from campaign.clock import today
from campaign.models import Subdistrict
from campaign.request_params import (
    BoundedDateFieldListFilter,
    admin_filter_id,
    checked_day,
)
from campaign.uploads import TranscodingImportMixin
from sites.models import DailyTally, MobileVisit, Site, SitePlan, TallyChange, TallyImport
from sites.resources import SiteResource

# The audit shows a tally import event's outcome with the import's own labels.
detail_value_labels_register("outcome", TallyImport.Status.choices)


@admin.register(Site)
class SiteAdmin(
    ProtectedSummaryMixin,
    ImportTemplateMixin,
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
        "contact_name",
        "contact_phone",
    ]
    list_filter = ["kind", "subdistrict__district", "subdistrict"]
    list_select_related = ["subdistrict"]
    search_fields = ["code", "name", "address", "contact_name", "contact_phone"]
    autocomplete_fields = ["subdistrict"]


@admin.register(DailyTally)
class DailyTallyAdmin(HistoryRevertGuardMixin, SimpleHistoryAdmin):
    """Tallies with their history. Files of tallies come from the portal's one export
    (导出接种数, in the import's own columns), linked from the list's header."""

    change_list_template = "admin/sites/dailytally/change_list.html"
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


# --- tally changes: read in the admin with the audit, written only by the tally services


class SubdistrictFilter(admin.SimpleListFilter):
    title = gettext_lazy("subdistrict")
    parameter_name = "subdistrict"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Subdistrict.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if (subdistrict := admin_filter_id(self.value())) is not None:
            return queryset.filter(site__subdistrict_id=subdistrict)
        return queryset


class SiteFilter(admin.SimpleListFilter):
    """The sites of the chosen subdistrict (a city has too many to list at once)."""

    title = gettext_lazy("site")
    parameter_name = "site"

    def lookups(self, request, model_admin):
        subdistrict = admin_filter_id(request.GET.get(SubdistrictFilter.parameter_name))
        if subdistrict is None:
            return []
        sites = Site.objects.filter(subdistrict_id=subdistrict).values_list("pk", "name")
        return [(str(pk), name) for pk, name in sites]

    def queryset(self, request, queryset):
        if (site := admin_filter_id(self.value())) is not None:
            return queryset.filter(site_id=site)
        return queryset


class UserFilter(admin.SimpleListFilter):
    """Accounts: with a subdistrict chosen, the ones working there and the administrators."""

    title = gettext_lazy("changed by")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.order_by("username")
        subdistrict = admin_filter_id(request.GET.get(SubdistrictFilter.parameter_name))
        if subdistrict is not None:
            users = users.filter(
                Q(staff_scope__subdistrict_id=subdistrict)
                | Q(staff_scope__committee__subdistrict_id=subdistrict)
                | administrator_accounts()
            ).distinct()
        return [(str(pk), name) for pk, name in users.values_list("pk", "username")]

    def queryset(self, request, queryset):
        if (user := admin_filter_id(self.value())) is not None:
            return queryset.filter(history_user_id=user)
        return queryset


class ChangedOnFilter(BoundedDateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = gettext("changed at")


class ChangeKindFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = gettext("kind of change")


class TallyDayFilter(admin.SimpleListFilter):
    """The vaccination day a change is for: the campaign's last two weeks up to today."""

    title = gettext_lazy("day of the doses")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        days = [today() - timedelta(days=n) for n in range(14)]
        return [(day.isoformat(), date_format(day, "Y-m-d")) for day in days]

    def queryset(self, request, queryset):
        try:
            day = checked_day(self.value())
        except ValidationError:  # a day no link offers: no change is for it
            return queryset.none()
        return queryset if day is None else queryset.filter(date=day)


@admin.register(TallyChange)
class TallyChangeAdmin(ReadOnlyAuditAdmin):
    """Every change of a tally, from its history: who, when, old → new, source, reason."""

    list_display = [
        "changed_at",
        "changed_by",
        "change",
        "source",
        "date",
        "site",
        "committee",
        "dose_kind",
        "reason",
        "kind_of_change",
    ]
    list_display_links = ["changed_at"]
    list_filter = [
        ("history_date", ChangedOnFilter),
        "source",
        ("history_type", ChangeKindFilter),
        "dose_kind",
        TallyDayFilter,
        SubdistrictFilter,
        SiteFilter,
        UserFilter,
    ]
    list_select_related = ["history_user", "site", "committee"]
    search_fields = [
        "site__code",
        "site__name",
        "committee__code",
        "committee__name",
        "history_user__username",
        "history_change_reason",
    ]
    date_hierarchy = "history_date"
    ordering = ["-history_date", "-history_id"]
    fields = [
        "changed_at",
        "changed_by",
        "change",
        "source",
        "reason",
        "kind_of_change",
        "date",
        "site",
        "committee",
        "dose_kind",
        "count",
        "previous_count",
        "version",
        "entered_by",
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=gettext_lazy("changed at"), ordering="history_date")
    def changed_at(self, row: TallyChange):
        return row.history_date

    @admin.display(description=gettext_lazy("changed by"), ordering="history_user__username")
    def changed_by(self, row: TallyChange):
        return row.history_user

    @admin.display(description=gettext_lazy("old → new"))
    def change(self, row: TallyChange) -> str:
        before = gettext("not reported") if row.previous_count is None else row.previous_count
        return format_html("{} → {}", before, row.new_count)

    @admin.display(description=gettext_lazy("reason"))
    def reason(self, row: TallyChange) -> str:
        return row.history_change_reason or ""

    @admin.display(description=gettext_lazy("kind of change"))
    def kind_of_change(self, row: TallyChange) -> str:
        return row.get_history_type_display()
