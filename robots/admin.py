"""Administrators register the robots (with their history) and read what they posted;
nobody writes a post by hand, nor changes or deletes one."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_mixins import HistoryRevertGuardMixin
from campaign.access import is_administrator
from robots.models import Robot, RobotPost


def _administrator(request) -> bool:
    return request.user.is_active and is_administrator(request.user)


class AdministratorsOnly:
    """Webhook URLs and secrets let anyone post to a group: administrators only."""

    def has_module_permission(self, request) -> bool:
        return _administrator(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _administrator(request)

    def has_add_permission(self, request) -> bool:
        return _administrator(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _administrator(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _administrator(request)


@admin.register(Robot)
class RobotAdmin(AdministratorsOnly, HistoryRevertGuardMixin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "platform",
        "subdistrict",
        "district",
        "remind_at",
        "posts_bulletins",
        "posts_targets",
        "active",
    ]
    list_filter = ["platform", "active", "district", "subdistrict__district"]
    list_select_related = ["district", "subdistrict"]
    search_fields = ["name", "district__name", "subdistrict__name"]
    autocomplete_fields = ["district", "subdistrict"]
    fieldsets = [
        (None, {"fields": ["name", "platform", "webhook_url", "secret", "active"]}),
        (
            _("Area: a district or a subdistrict"),
            {"fields": ["district", "subdistrict"]},
        ),
        (_("What it posts"), {"fields": ["remind_at", "posts_bulletins", "posts_targets"]}),
    ]


@admin.register(RobotPost)
class RobotPostAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "robot",
        "event",
        "day",
        "message_type",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "event", "robot__platform", "robot", "day"]
    list_select_related = ["robot"]
    search_fields = ["robot__name", "title", "error"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "robot",
        "event",
        "key",
        "day",
        "bulletin",
        "target",
        "message_type",
        "title",
        "content",
        "image_md5",
        "image_size",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "sent_at",
        "answer",
        "error",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
