"""Admin plumbing shared by the apps' admins."""

from collections import Counter
from typing import Any

from django.contrib.admin.utils import NestedObjects
from django.core.exceptions import PermissionDenied
from django.db import router
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.admin import ImportMixin
from tablib import Dataset  # type: ignore[import-untyped]


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


class ImportTemplateMixin(ImportMixin):
    """For django-import-export admin classes: a template file to download (the headers,
    Chinese or English, and one clearly fake example row), linked from the import page.
    Put before ``ImportMixin``."""

    def get_urls(self):
        info = self.get_model_info()
        urls = [
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            )
        ]
        return urls + super().get_urls()

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource_class: Any = self.get_import_resource_classes(request)[0]
        language = "en" if request.GET.get("lang") == "en" else "zh-hans"
        file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        dataset = Dataset(
            *resource_class.template_rows(), headers=resource_class.template_headers(language)
        )
        name = f"{self.get_model_info()[1]}-template.{file_format}"
        if file_format == "xlsx":
            body: bytes = dataset.export("xlsx")
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body = ("\ufeff" + dataset.export("csv")).encode("utf-8")  # Excel reads the BOM
            content_type = "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        info = self.get_model_info()
        url = reverse("admin:{}_{}_import_template".format(*info))
        context["import_templates"] = [
            (_("Template, Chinese headers (CSV)"), f"{url}?lang=zh-hans&format=csv"),
            (_("Template, English headers (CSV)"), f"{url}?lang=en&format=csv"),
            (_("Template, Chinese headers (Excel)"), f"{url}?lang=zh-hans&format=xlsx"),
            (_("Template, English headers (Excel)"), f"{url}?lang=en&format=xlsx"),
        ]
        return context
