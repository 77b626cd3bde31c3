from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read by superusers (administrators); added to only by the application, so the
    admin can neither add, change nor delete an event, not even a superuser's."""

    list_display = ["created_at", "kind", "username", "ip_address", "method", "path", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["username", "path", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

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
