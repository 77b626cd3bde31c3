"""Published bulletins can be looked at, never changed; an erroneous bulletin (published
before the day was in, say) and a wrong timeline note can be deleted by a superuser or an
administrator, so the day can be published again (both are written by the services)."""

from django.contrib import admin

from campaign.access import is_administrator
from reports.models import Bulletin, MilestoneNote
from reports.services.milestones import milestone_notes_delete


def _may_delete(request) -> bool:
    return is_administrator(request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ["date", "subdistrict", "published_by", "published_at", "data_as_of"]
    list_filter = ["subdistrict__district", "subdistrict"]
    list_select_related = ["subdistrict", "published_by"]
    date_hierarchy = "date"

    def has_delete_permission(self, request, obj=None) -> bool:
        return _may_delete(request)


@admin.register(MilestoneNote)
class MilestoneNoteAdmin(ReadOnlyAdmin):
    list_display = ["date", "text", "subdistrict", "district", "written_by", "created_at"]
    list_filter = ["district", "subdistrict__district"]
    list_select_related = ["subdistrict", "district", "written_by"]
    search_fields = ["text"]

    # Deleting goes through the service, which records the removal in the audit trail.
    def delete_model(self, request, obj):
        milestone_notes_delete(user=request.user, notes=[obj])

    def delete_queryset(self, request, queryset):
        milestone_notes_delete(
            user=request.user, notes=queryset.select_related("subdistrict", "district")
        )
