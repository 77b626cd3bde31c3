"""Pages of the daily bulletin (每日通报) and of the timeline (大事记).

Views check scope (404 outside it), parse the request and call ``reports.services.bulletins`` or
``reports.services.milestones`` (reading through their selectors); they compute nothing themselves.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.access import may_note_area, staff_scope_for, subdistricts_visible_to
from campaign.areas import Area
from campaign.calendar import is_future
from campaign.clock import today
from campaign.http import AuthenticatedHttpRequest
from campaign.models import Subdistrict
from campaign.refusals import show_refusal
from campaign.request_params import area_param, day_param, parse_id
from reports.forms import MilestoneNoteForm
from reports.models import Bulletin, StaleDate
from reports.presentation.bulletin_image import (
    bulletin_footer,
    bulletin_publisher,
    published_bulletin_png,
)
from reports.presentation.bulletins import bulletin_sections, bulletin_xlsx
from reports.presentation.exports import CellValue
from reports.selectors.bulletins import (
    bulletin_corrections,
    bulletin_figures,
    bulletin_restatement,
    bulletins_visible_to,
    figure_differences,
    subdistricts_publishable_by,
)
from reports.selectors.milestones import milestones
from reports.selectors.quality import bulletin_marks
from reports.selectors.ranking import latest_snapshot_date
from reports.services.bulletins import bulletin_publish
from reports.services.milestones import milestone_note_create
from reports.views.downloads import audited_attachment

if TYPE_CHECKING:
    from reports.selectors.bulletins import VisibleBulletin

CORRECTIONS_SHOWN = 50


# Bulletins ---------------------------------------------------------------------------------


def bulletin_index(request: HttpRequest) -> HttpResponse:
    """Published bulletins in scope, newest first, and a day to prepare."""
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    subdistricts = list(subdistricts_visible_to(scope).order_by("district__code", "code"))
    return render(
        request,
        "reports/bulletin_index.html",
        {
            "bulletins": bulletins_visible_to(scope)[:60],
            "subdistricts": subdistricts,
            "can_publish": subdistricts_publishable_by(scope).exists(),
            "day": latest_snapshot_date(today()) or today(),
        },
    )


def _visible_subdistrict(request: HttpRequest, value: str | None) -> Subdistrict:
    scope = staff_scope_for(request.user)
    subdistrict_id = parse_id(value)
    if subdistrict_id is None:
        raise Http404
    return get_object_or_404(subdistricts_visible_to(scope), pk=subdistrict_id)


def bulletin_preview(request: HttpRequest) -> HttpResponse:
    """Today's figures in the bulletin's form, before anybody publishes them."""
    subdistrict = _visible_subdistrict(request, request.GET.get("subdistrict"))
    on = day_param(request.GET) or latest_snapshot_date(today()) or today()
    published = Bulletin.objects.filter(subdistrict=subdistrict, date=on).first()
    if published is not None:
        return redirect("reports:bulletin", bulletin_id=published.pk)
    figures = bulletin_figures(subdistrict=subdistrict, on=on)
    scope = staff_scope_for(request.user)
    sections = bulletin_sections(figures) if figures else None
    return render(
        request,
        "reports/bulletin.html",
        {
            "draft": True,
            "subdistrict": subdistrict,
            "on": on,
            "sections": sections,
            "totals_mark": bulletin_marks(sections, subdistrict) if sections else None,
            "can_publish": figures is not None
            and subdistricts_publishable_by(scope).filter(pk=subdistrict.pk).exists(),
            "updating": StaleDate.objects.filter(date__lte=on).exists(),
            "future": is_future(on),
        },
    )


@require_POST
def bulletin_publish_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    subdistrict = _visible_subdistrict(request, request.POST.get("subdistrict"))
    on = day_param(request.POST) or today()
    try:
        bulletin = bulletin_publish(
            user=request.user,
            subdistrict=subdistrict,
            on=on,
            unreported_confirmed=request.POST.get("unreported_confirmed") == "on",
        )
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as refusal:
        show_refusal(request, refusal)
        query = urlencode({"subdistrict": subdistrict.pk, "date": on.isoformat()})
        return redirect(f"{reverse('reports:bulletin_preview')}?{query}")
    messages.success(request, _("Published. This copy will not change."))
    return redirect("reports:bulletin", bulletin_id=bulletin.pk)


def _bulletin(request: HttpRequest, bulletin_id: int) -> VisibleBulletin:
    return get_object_or_404(bulletins_visible_to(staff_scope_for(request.user)), pk=bulletin_id)


def bulletin_detail(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    """The published copy, as it was; marked "restated" when tallies changed since."""
    bulletin = _bulletin(request, bulletin_id)
    restated, current = bulletin_restatement(bulletin)
    shown = list(bulletin_corrections(bulletin)[: CORRECTIONS_SHOWN + 1]) if restated else []
    ranking_query = urlencode(
        {"area": f"subdistrict:{bulletin.subdistrict_id}", "date": bulletin.date.isoformat()}
    )
    sections = bulletin_sections(bulletin.figures)
    return render(
        request,
        "reports/bulletin.html",
        {
            "draft": False,
            "bulletin": bulletin,
            "subdistrict": bulletin.subdistrict,
            "on": bulletin.date,
            "sections": sections,
            "totals_mark": bulletin_marks(sections, bulletin.subdistrict),
            "restated": restated,
            "corrections": shown[:CORRECTIONS_SHOWN],
            "more_corrections": len(shown) > CORRECTIONS_SHOWN,
            "differences": figure_differences(bulletin.figures, current) if restated else [],
            "updating": restated and StaleDate.objects.filter(date__lte=bulletin.date).exists(),
            "current_url": f"{reverse('reports:ranking')}?{ranking_query}",
            "footer": bulletin_footer(bulletin),
        },
    )


def _file_stem(bulletin: Bulletin) -> str:
    code = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in bulletin.subdistrict.code
    )
    return f"bulletin-{code.strip('-') or bulletin.subdistrict_id}-{bulletin.date.isoformat()}"


def _attachment(
    request: HttpRequest, bulletin: Bulletin, content: bytes, *, content_type: str, filename: str
) -> HttpResponse:
    """The file as an attachment; like every export, a download is in the audit trail."""
    return audited_attachment(
        request,
        content,
        content_type=content_type,
        filename=filename,
        detail={"bulletin_id": bulletin.pk},
    )


def bulletin_image(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    bulletin = _bulletin(request, bulletin_id)
    png = published_bulletin_png(bulletin)
    return _attachment(
        request, bulletin, png, content_type="image/png", filename=f"{_file_stem(bulletin)}.png"
    )


def bulletin_workbook(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    bulletin = _bulletin(request, bulletin_id)
    restated, _current = bulletin_restatement(bulletin)
    published: list[tuple[str, CellValue]] = [
        (_("published by"), bulletin_publisher(bulletin)),
        (_("published at"), timezone.localtime(bulletin.published_at).replace(tzinfo=None)),
        (_("data as of"), timezone.localtime(bulletin.data_as_of).replace(tzinfo=None)),
        (_("restated"), _("yes") if restated else _("no")),
        (
            _("corrections after publication"),
            bulletin_corrections(bulletin).count() if restated else 0,
        ),
    ]
    content = bulletin_xlsx(bulletin.figures, published=published)
    return _attachment(
        request,
        bulletin,
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"{_file_stem(bulletin)}.xlsx",
    )


# Timeline ----------------------------------------------------------------------------------


def _render_timeline(
    request: HttpRequest, areas: list[Area], area: Area, on: date, form: MilestoneNoteForm
) -> HttpResponse:
    scope = staff_scope_for(request.user)
    return render(
        request,
        "reports/milestones.html",
        {
            "areas": areas,
            "area": area,
            "on": on,
            "events": milestones(area, on=on),
            "form": form if may_note_area(scope, area) else None,
        },
    )


def milestone_timeline(request: HttpRequest) -> HttpResponse:
    areas, area = area_param(staff_scope_for(request.user), request.GET.get("area"))
    on = min(day_param(request.GET) or today(), today())
    form = MilestoneNoteForm(initial={"date": on, "area": area.key})
    return _render_timeline(request, areas, area, on, form)


@require_POST
def milestone_note_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    areas, area = area_param(staff_scope_for(request.user), request.POST.get("area"))
    if area.key != request.POST.get("area") or not may_note_area(
        staff_scope_for(request.user), area
    ):
        raise Http404
    form = MilestoneNoteForm(request.POST)
    if form.is_valid():
        try:
            milestone_note_create(
                user=request.user,
                area=area,
                on=form.cleaned_data["date"],
                text=form.cleaned_data["text"],
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as refusal:
            show_refusal(request, refusal, form)
        else:
            messages.success(request, _("The note is on the timeline."))
            return redirect(f"{reverse('reports:milestones')}?{urlencode({'area': area.key})}")
    # Shown again as it was: the timeline up to the day it was showing.
    on = min(day_param(request.POST, "timeline_date") or today(), today())
    return _render_timeline(request, areas, area, on, form)
