"""The audit in the admin: events, tally changes and snapshot builds.

Read by superusers (administrators) only, and written only by the application: the admin
can neither add, change nor delete a row here, not even a superuser's. Every list is one
query for its page of rows, whatever the page size (related rows joined, not fetched).
"""

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent, SnapshotBuild, TallyChange
from campaign.clock import today
from campaign.models import StaffScope, Subdistrict
from campaign.params import parse_day, parse_id
from sites.models import Site, TallyImport


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
OUTCOMES = dict(TallyImport.Status.choices)


def _value(key: str, value) -> str:
    if key == "data_as_of":
        moment = parse_datetime(str(value))
        return date_format(localtime(moment), "Y-m-d H:i:s") if moment else str(value)
    if key == "model":
        return str(MODELS.get(value, value))
    if key == "outcome":
        return str(OUTCOMES.get(value, value))
    return str(value)


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


class BoundedDateFieldListFilter(admin.DateFieldListFilter):
    """Django's date filter, refusing what its own links never give: a day outside the
    calendar the portal shows (0001-01-01 overflows once made timezone-aware)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (self.lookup_kwarg_since, self.lookup_kwarg_until):
            given = self.used_parameters.get(name)
            for value in given if isinstance(given, list) else [given]:
                if value is not None:
                    try:
                        parse_day(str(value)[:10])
                    except ValidationError as error:
                        raise IncorrectLookupParameters(error) from error


# Every admin's date filters, django-axes' included.
admin.FieldListFilter.register(
    lambda field: isinstance(field, models.DateField),
    BoundedDateFieldListFilter,
    take_priority=True,
)


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
    list_filter = ["kind", "status", ("created_at", BoundedDateFieldListFilter)]
    search_fields = ["username", "path", "ip_address", "detail__file", "detail__sha256"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "summary"]

    @admin.display(description=_("event summary"))
    def summary(self, event: AuditEvent) -> str:
        return detail_summary(event.detail)


# --- tally changes


def _chosen_id(text: str | None) -> int | None:
    """A filter's id from the query string; one that cannot be an id sends the admin back
    to the unfiltered list with its "invalid filter" message (?e=1), not to an error."""
    try:
        return parse_id(text)
    except ValidationError as error:
        raise IncorrectLookupParameters(error) from error


class SubdistrictFilter(admin.SimpleListFilter):
    title = _("subdistrict")
    parameter_name = "subdistrict"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Subdistrict.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if (subdistrict := _chosen_id(self.value())) is not None:
            return queryset.filter(site__subdistrict_id=subdistrict)
        return queryset


class SiteFilter(admin.SimpleListFilter):
    """The sites of the chosen subdistrict (a city has too many to list at once)."""

    title = _("site")
    parameter_name = "site"

    def lookups(self, request, model_admin):
        subdistrict = _chosen_id(request.GET.get(SubdistrictFilter.parameter_name))
        if subdistrict is None:
            return []
        sites = Site.objects.filter(subdistrict_id=subdistrict).values_list("pk", "name")
        return [(str(pk), name) for pk, name in sites]

    def queryset(self, request, queryset):
        if (site := _chosen_id(self.value())) is not None:
            return queryset.filter(site_id=site)
        return queryset


class UserFilter(admin.SimpleListFilter):
    """Accounts: with a subdistrict chosen, the ones working there and the administrators."""

    title = _("changed by")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.order_by("username")
        subdistrict = _chosen_id(request.GET.get(SubdistrictFilter.parameter_name))
        if subdistrict is not None:
            users = users.filter(
                Q(staff_scope__subdistrict_id=subdistrict)
                | Q(staff_scope__committee__subdistrict_id=subdistrict)
                | Q(staff_scope__role=StaffScope.Role.ADMINISTRATOR)
                | Q(is_superuser=True)
            ).distinct()
        return [(str(pk), name) for pk, name in users.values_list("pk", "username")]

    def queryset(self, request, queryset):
        if (user := _chosen_id(self.value())) is not None:
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

    title = _("day of the doses")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        days = [today() - timedelta(days=n) for n in range(14)]
        return [(day.isoformat(), date_format(day, "Y-m-d")) for day in days]

    def queryset(self, request, queryset):
        try:
            day = parse_day(self.value())
        except ValidationError as error:
            raise IncorrectLookupParameters(error) from error
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

    @admin.display(description=_("changed at"), ordering="history_date")
    def changed_at(self, row: TallyChange):
        return row.history_date

    @admin.display(description=_("changed by"), ordering="history_user__username")
    def changed_by(self, row: TallyChange):
        return row.history_user

    @admin.display(description=_("old → new"))
    def change(self, row: TallyChange) -> str:
        before = gettext("not reported") if row.previous_count is None else row.previous_count
        return format_html("{} → {}", before, row.count)

    @admin.display(description=_("reason"))
    def reason(self, row: TallyChange) -> str:
        return row.history_change_reason or ""

    @admin.display(description=_("kind of change"))
    def kind_of_change(self, row: TallyChange) -> str:
        return row.get_history_type_display()


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
    list_filter = ["status", "trigger", ("started_at", BoundedDateFieldListFilter)]
    search_fields = ["job", "task_id", "error"]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "seconds"]

    @admin.display(description=_("duration (s)"))
    def seconds(self, build: SnapshotBuild) -> str:
        return f"{(build.finished_at - build.started_at).total_seconds():.1f}"
