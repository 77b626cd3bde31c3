from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from campaign.models import Campaign, Committee, District, StaffScope, Subdistrict, Target
from campaign.resources import CommitteeResource, TargetResource
from campaign.uploads import TranscodingImportMixin
from sites.admin import ProtectedSummaryMixin


@admin.register(District)
class DistrictAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "eligible_population"]
    search_fields = ["code", "name"]


@admin.register(Subdistrict)
class SubdistrictAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "district", "eligible_population", "lock_date"]
    list_filter = ["district"]
    list_select_related = ["district"]
    search_fields = ["code", "name"]


@admin.register(Committee)
class CommitteeAdmin(
    ProtectedSummaryMixin, TranscodingImportMixin, ImportMixin, SimpleHistoryAdmin
):
    resource_classes = [CommitteeResource]
    list_display = ["code", "name", "subdistrict", "eligible_population"]
    list_filter = ["subdistrict__district", "subdistrict"]
    list_select_related = ["subdistrict"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["subdistrict"]


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["name", "start_date", "end_date", "doses_for_full_course"]
    search_fields = ["name"]


@admin.register(Target)
class TargetAdmin(TranscodingImportMixin, ImportMixin, SimpleHistoryAdmin):
    resource_classes = [TargetResource]
    list_display = ["name", "scope", "metric", "value", "period_start", "period_end"]
    list_filter = ["campaign", "metric", "district", "subdistrict"]
    list_select_related = ["district", "subdistrict", "committee"]
    search_fields = ["name", "subdistrict__name", "committee__name", "committee__code"]
    autocomplete_fields = ["district", "subdistrict", "committee"]
    date_hierarchy = "period_start"


@admin.register(StaffScope)
class StaffScopeAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "district", "subdistrict", "committee"]
    list_filter = ["role", "district", "subdistrict"]
    list_select_related = ["user", "district", "subdistrict", "committee"]
    search_fields = ["user__username", "subdistrict__name", "committee__name", "committee__code"]
    autocomplete_fields = ["user", "district", "subdistrict", "committee"]


class StaffScopeInline(admin.StackedInline):
    model = StaffScope
    can_delete = False
    autocomplete_fields = ["district", "subdistrict", "committee"]


# Users are managed with their scope on the same page.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserWithScopeAdmin(ProtectedSummaryMixin, UserAdmin):
    inlines = [StaffScopeInline]
