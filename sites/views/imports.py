"""Import pages: upload and check a file, see every bad row or the counts, confirm."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from campaign.access import can_enter_tallies, staff_scope_for
from campaign.clock import today
from campaign.http import AuthenticatedHttpRequest
from campaign.request_params import day_param, parse_id
from campaign.uploads import MAX_UPLOAD_BYTES
from sites.models import DailyTally, TallyImport
from sites.resources import TEMPLATE_HEADERS, dose_label
from sites.selectors.tallies import (
    committees_enterable_by,
    imports_visible_to,
    names_for_codes,
    sites_enterable_by,
    tally_template_rows,
)
from sites.services.imports import (
    tally_import_check,
    tally_import_confirm,
    tally_import_discard,
)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tally file (CSV or Excel)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


def _importer_scope(request: HttpRequest):
    scope = staff_scope_for(request.user)
    if not can_enter_tallies(scope):
        raise Http404
    return scope


def import_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = _importer_scope(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        log = tally_import_check(user=request.user, file_name=upload.name, content=upload.read())
        return redirect("sites:import_detail", log.pk)
    return render(
        request,
        "sites/import_index.html",
        {
            "form": form,
            "imports": imports_visible_to(scope)[:30],
            "sites": sites_enterable_by(scope).order_by("subdistrict__code", "code"),
            "committees": committees_enterable_by(scope),
            "today": today(),
        },
    )


def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    scope = staff_scope_for(request.user)
    log = get_object_or_404(imports_visible_to(scope), pk=import_id)
    working = log.status in (TallyImport.Status.QUEUED, TallyImport.Status.RUNNING)
    doses = dict(DailyTally.DoseKind.choices)
    site_names, committee_names = names_for_codes(
        {row["site"] for row in log.preview}, {row["committee"] for row in log.preview}
    )
    # The preview is stored with codes; a clerk recognises names, so both are shown.
    preview = [
        {
            **row,
            "dose": doses.get(row["dose"], row["dose"]),
            "site_name": site_names.get(row["site"], ""),
            "committee_name": committee_names.get(row["committee"], ""),
        }
        for row in log.preview
    ]
    return render(
        request,
        "sites/import_detail.html",
        {
            "log": log,
            "working": working,
            "can_confirm": log.user_id == request.user.pk,
            "changed": [row for row in preview if row["kind"] == "updated"],
            "added": [row for row in preview if row["kind"] == "new"],
        },
    )


@require_POST
def import_confirm(request: HttpRequest, import_id: int) -> HttpResponse:
    scope = _importer_scope(request)
    log = get_object_or_404(imports_visible_to(scope), pk=import_id, user=request.user)
    tally_import_confirm(log=log)
    return redirect("sites:import_detail", log.pk)


@require_POST
def import_discard(request: HttpRequest, import_id: int) -> HttpResponse:
    scope = _importer_scope(request)
    log = get_object_or_404(imports_visible_to(scope), pk=import_id, user=request.user)
    tally_import_discard(log=log)
    return redirect("sites:import_detail", log.pk)


def import_template(request: HttpRequest) -> HttpResponse:
    """A tally file with the headers in the page's language (or ?lang=en|zh-hans): one
    clearly fake example row, or, with ?site= or ?subdistrict= and ?date=, pre-filled with
    that day's rows (site × committee × dose) and the counts blank."""
    language = request.GET.get("lang") or get_language()
    if language not in TEMPLATE_HEADERS:
        language = "zh-hans"
    headers = TEMPLATE_HEADERS[language]
    site_id = parse_id(request.GET.get("site"))
    subdistrict_id = parse_id(request.GET.get("subdistrict"))
    if site_id is None and subdistrict_id is None:
        rows = [
            ["2021-06-30", "EXAMPLE-SITE", "EXAMPLE-COMMITTEE", dose_label("first", language), "12"]
        ]
        name = f"tally-template-{language}.csv"
    else:
        scope = _importer_scope(request)
        on = day_param(request.GET) or today()
        rows = [
            [on.isoformat(), site_code, committee_code, dose_label(dose, language), ""]
            for site_code, committee_code in tally_template_rows(
                scope, on, site_id=site_id, subdistrict_id=subdistrict_id
            )
            for dose in DailyTally.DoseKind.values
        ]
        name = f"tallies-{on.isoformat()}-{language}.csv"
    lines = [",".join(headers)] + [",".join(row) for row in rows]
    body = "\ufeff" + "\r\n".join(lines) + "\r\n"
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
