from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_mixins import AuditedImportMixin, HistoryRevertGuardMixin
from campaign.access import manages_accounts
from campaign.admin_mixins import ImportTemplateMixin, ProtectedSummaryMixin
from campaign.models import (
    Building,
    BuildingCount,
    Campaign,
    Committee,
    District,
    StaffScope,
    Subdistrict,
    Target,
)
from campaign.request_params import BoundedDateFieldListFilter
from campaign.resources import (
    AccountResource,
    CampaignResource,
    CommitteeResource,
    DistrictResource,
    SubdistrictResource,
    TargetResource,
)
from campaign.services import set_password_link
from campaign.uploads import TranscodingImportMixin

# The date filters of every admin (django-axes' and the audit's included) refuse a day
# outside the calendar the pages show instead of overflowing.
admin.FieldListFilter.register(
    lambda field: isinstance(field, models.DateField),
    BoundedDateFieldListFilter,
    take_priority=True,
)


class FileImportMixin(ImportTemplateMixin, AuditedImportMixin, TranscodingImportMixin, ImportMixin):
    """The admin's file import: template, check and preview, confirm; audited with the
    file's SHA-256; GBK files decoded as the tally import decodes them."""


@admin.register(District)
class DistrictAdmin(FileImportMixin, HistoryRevertGuardMixin, SimpleHistoryAdmin):
    resource_classes = [DistrictResource]
    list_display = ["code", "name", "eligible_population"]
    search_fields = ["code", "name"]


@admin.register(Subdistrict)
class SubdistrictAdmin(FileImportMixin, HistoryRevertGuardMixin, SimpleHistoryAdmin):
    resource_classes = [SubdistrictResource]
    list_display = ["code", "name", "district", "eligible_population", "lock_date"]
    list_filter = ["district"]
    list_select_related = ["district"]
    search_fields = ["code", "name"]


@admin.register(Committee)
class CommitteeAdmin(
    ProtectedSummaryMixin,
    FileImportMixin,
    HistoryRevertGuardMixin,
    SimpleHistoryAdmin,
):
    resource_classes = [CommitteeResource]
    list_display = ["code", "name", "subdistrict", "eligible_population"]
    list_filter = ["subdistrict__district", "subdistrict"]
    list_select_related = ["subdistrict"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["subdistrict"]


@admin.register(Campaign)
class CampaignAdmin(FileImportMixin, HistoryRevertGuardMixin, SimpleHistoryAdmin):
    resource_classes = [CampaignResource]
    list_display = [
        "name",
        "start_date",
        "end_date",
        "doses_for_full_course",
        "second_dose_min_days",
        "second_dose_max_days",
        "golden_shield_threshold",
    ]
    search_fields = ["name"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    ("start_date", "end_date"),
                    "doses_for_full_course",
                    ("second_dose_min_days", "second_dose_max_days"),
                    "golden_shield_threshold",
                ]
            },
        ),
        (
            _("Data quality"),
            {
                "fields": [
                    "outlier_mad_multiple",
                    "outlier_reported_days",
                    "outlier_capacity_multiple",
                ]
            },
        ),
    ]


class ReadOnlyAdmin(HistoryRevertGuardMixin, SimpleHistoryAdmin):
    """Listed for administrators to look up; written only through the building pages
    (campaign.services), which check counts against the residents."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ["name", "committee", "residents", "address"]
    list_filter = ["committee__subdistrict"]
    list_select_related = ["committee"]
    search_fields = ["name", "committee__name", "committee__code"]


@admin.register(BuildingCount)
class BuildingCountAdmin(ReadOnlyAdmin):
    list_display = ["building", "date", "vaccinated", "recorded_by"]
    list_select_related = ["building", "recorded_by"]
    search_fields = ["building__name", "building__committee__name"]
    date_hierarchy = "date"


@admin.register(Target)
class TargetAdmin(FileImportMixin, HistoryRevertGuardMixin, SimpleHistoryAdmin):
    resource_classes = [TargetResource]
    list_display = ["name", "area", "metric", "value", "period_start", "period_end"]
    list_filter = ["campaign", "metric", "district", "subdistrict"]
    list_select_related = ["district", "subdistrict", "committee"]
    search_fields = ["name", "subdistrict__name", "committee__name", "committee__code"]
    autocomplete_fields = ["district", "subdistrict", "committee"]
    date_hierarchy = "period_start"

    @admin.display(description=_("area"))
    def area(self, target: Target) -> str:
        return str(target.area or "")


class SuperusersOnlyMixin:
    """Accounts, groups and scopes are managed by superusers only, whatever permissions a
    staff user holds: otherwise a subdistrict's administrator with "change user" could
    make themselves a superuser, give their group every permission or widen their scope."""

    def has_module_permission(self, request):
        return manages_accounts(request.user)

    def has_view_permission(self, request, obj=None):
        return manages_accounts(request.user)

    def has_add_permission(self, request, *args):
        return manages_accounts(request.user)

    def has_change_permission(self, request, obj=None):
        return manages_accounts(request.user)

    def has_delete_permission(self, request, obj=None):
        return manages_accounts(request.user)


@admin.register(StaffScope)
class StaffScopeAdmin(SuperusersOnlyMixin, HistoryRevertGuardMixin, SimpleHistoryAdmin):
    list_display = ["user", "role", "district", "subdistrict", "committee"]
    list_filter = ["role", "district", "subdistrict"]
    list_select_related = ["user", "district", "subdistrict", "committee"]
    search_fields = ["user__username", "subdistrict__name", "committee__name", "committee__code"]
    autocomplete_fields = ["user", "district", "subdistrict", "committee"]


class StaffScopeInline(SuperusersOnlyMixin, admin.StackedInline):
    model = StaffScope
    can_delete = False
    autocomplete_fields = ["district", "subdistrict", "committee"]


# Users are managed with their scope on the same page.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserWithScopeAdmin(  # type: ignore[misc]  # import-export's change list template is a str
    ProtectedSummaryMixin, SuperusersOnlyMixin, FileImportMixin, UserAdmin
):
    inlines = [StaffScopeInline]
    resource_classes = [AccountResource]

    def has_import_permission(self, request) -> bool:
        return manages_accounts(request.user)

    def process_result(self, result, request):
        """Each new account's set-password link, shown once: no password is ever sent."""
        response = super().process_result(result, request)
        new_ids = [row.object_id for row in result.valid_rows() if row.import_type == "new"]
        for user in get_user_model().objects.filter(pk__in=new_ids).order_by("username"):
            messages.warning(
                request,
                _("%(username)s sets a password at %(link)s")
                % {
                    "username": user.get_username(),
                    "link": request.build_absolute_uri(set_password_link(user)),
                },
            )
        return response


@admin.register(Group)
class SuperusersOnlyGroupAdmin(SuperusersOnlyMixin, GroupAdmin):
    pass
