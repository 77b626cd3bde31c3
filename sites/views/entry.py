"""Entry pages: choose a site and day, fill the grid, see what is not reported yet.

Views only check scope (404 outside it), build the form and call the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.access import can_enter_tallies, staff_scope_for
from campaign.calendar import CampaignCalendar
from campaign.clock import today
from campaign.http import AuthenticatedHttpRequest
from campaign.refusals import show_refusal
from campaign.request_params import day_param, parse_day, save_key_param, wants_json
from sites.forms import TallyGridForm, version_name
from sites.models import DailyTally
from sites.rules import CellProblem, TallyRules
from sites.selectors.outliers import Unusual
from sites.selectors.tallies import (
    committees_enterable_at,
    entry_overview,
    grid_use_at,
    sites_enterable_by,
    sites_visible_to,
    tallies_of,
    tally_history,
    unreported_sites,
)
from sites.services.receipts import SaveAnswer, save_once
from sites.services.tallies import (
    CapacityExceeded,
    Conflict,
    TallyConflicts,
    UnusualFigures,
    record_nobody_came,
    record_tallies,
)

# Days before today whose grids open offline after a visit of the site list.
OFFLINE_DAYS = 7


def entry_index(request: HttpRequest) -> HttpResponse:
    """The sites the user may enter for, with each one's report for the chosen day, and
    why a day cannot be entered at a site (the grid then opens read-only)."""
    scope = staff_scope_for(request.user)
    if scope is None or not can_enter_tallies(scope):
        raise Http404
    day = day_param(request.GET) or today()
    sites = list(entry_overview(sites_enterable_by(scope), day))
    rules = TallyRules(
        scope, enterable_site_ids={site.pk for site in sites}, calendar=CampaignCalendar.load()
    )
    rows = [SiteRow(site, rules.day_problem(site, day)) for site in sites]
    # The pages the service worker keeps for offline use: this list and the grids of
    # today and the week before, of the sites open today.
    offline_pages = [reverse("sites:entry_index")]
    if day == today():
        offline_pages += [
            reverse("sites:entry", args=[row.site.pk, (day - timedelta(days=back)).isoformat()])
            for row in rows
            if not row.not_open
            for back in range(OFFLINE_DAYS + 1)
        ]
    return render(
        request,
        "sites/entry_index.html",
        {"rows": rows, "day": day, "today": today(), "offline_pages": offline_pages},
    )


@dataclass(frozen=True)
class SiteRow:
    """A site on the site list, and why its day cannot be entered (None: it can)."""

    site: Any  # a Site annotated by entry_overview
    problem: CellProblem | None

    @property
    def not_open(self) -> bool:
        """The site is not open that day (before it opens, after it closes)."""
        return self.problem is not None and self.problem.code == "site_closed"

    @property
    def closed(self) -> str | None:
        """The site list's short word for a day that cannot be entered."""
        if self.problem is None:
            return None
        if self.not_open:
            return _("Not open on this day")
        if self.problem.code == "locked":
            return _("Locked: only an administrator may change this day")
        return self.problem.message  # a day to come, or outside the campaign: it says so


def tally_entry(request: AuthenticatedHttpRequest, site_id: int, day: str) -> HttpResponse:
    """The grid of one site's day. A save answers a page (redirect when saved), or JSON
    when the request asks for it (the page's script: docs/architecture.md, "The grid's
    save answer"). A save with a ``save_key`` is applied once (``save_once``)."""
    scope = staff_scope_for(request.user)
    site = get_object_or_404(sites_enterable_by(scope), pk=site_id)
    on = parse_day(day)
    if on is None or scope is None:
        raise Http404
    committees, with_non_residents = committees_enterable_at(scope, site)
    rules = TallyRules(scope, enterable_site_ids={site.pk}, calendar=CampaignCalendar.load())
    day_problem = rules.day_problem(site, on)
    grid: dict[str, Any] = {  # the form's arguments
        "site": site,
        "on": on,
        "committees": list(committees),
        "with_non_residents": with_non_residents,
        "read_only": day_problem is not None,
    }
    stored = list(tallies_of(site, on))
    if request.method != "POST":
        form = TallyGridForm(stored=stored, **grid)
        return _render_grid(request, form, stored, day_problem=day_problem)

    data: QueryDict = request.POST
    form = TallyGridForm(data, stored=stored, **grid)
    page: dict[str, Any] = {}  # how the page shows this attempt, when it ran now

    def attempt() -> SaveAnswer:
        answer, shown = _save_grid(
            request, form, grid, stored, data, with_non_residents, committees, day_problem
        )
        page.update(shown)
        return answer

    key = save_key_param(data)
    try:
        if key is None:
            answer = attempt()
        else:
            answer = save_once(user=request.user, site=site, on=on, key=key, save=attempt)
    except ValidationError as refusal:  # the key of another account's save
        answer = _answer(form, "refused", 422, refusal.messages[0], errors=refusal.messages)
        show_refusal(request, refusal, form)
        page.update(form=form, stored=stored)
    if wants_json(request):
        return JsonResponse(answer.body, status=answer.status)
    if answer.status == 200:
        messages.success(request, answer.body["message"])
        return redirect(reverse("sites:entry", args=[site.pk, on.isoformat()]))
    if not page:  # a repeated refusal: show it again over what was posted
        page = _replayed_page(grid, data, answer, day_problem)
    return _render_grid(request, **page)


def _with_versions(form: TallyGridForm, data: QueryDict, fresh: list[DailyTally]) -> QueryDict:
    """The post with every cell's version moved to what is stored now (after a conflict:
    saving again is then a deliberate overwrite)."""
    moved = data.copy()
    versions = {
        form.field_name_for(row.committee_id, row.dose_kind): str(row.version) for row in fresh
    }
    for name in form.count_names():
        moved[version_name(name)] = versions.get(name, "")
    return moved


def _replayed_page(grid, data, answer: SaveAnswer, day_problem) -> dict[str, Any]:
    """The page of a refusal answered again (the same key posted twice): what was
    posted, with the first answer's message on top."""
    stored = list(tallies_of(grid["site"], grid["on"]))
    form = TallyGridForm(data, stored=stored, **grid)
    if answer.status == 409:
        form = TallyGridForm(_with_versions(form, data, stored), stored=stored, **grid)
    form.is_valid()
    form.add_error(None, answer.body["message"])
    return {"form": form, "stored": stored, "day_problem": day_problem}


def _answer(
    form: TallyGridForm,
    outcome: str,
    status: int,
    message: str,
    *,
    saved: dict[str, int] | None = None,
    conflicts: Sequence[Conflict] = (),
    unusual: Sequence[Unusual] = (),
    errors: dict[str, list[str]] | list[str] | None = None,
) -> SaveAnswer:
    """The JSON answer of a save (its shape: docs/architecture.md, "The grid's save
    answer"), with the cells as they are stored now."""
    if isinstance(errors, list):
        errors = {"__all__": errors}
    elif errors is None:
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    stored = {
        form.field_name_for(row.committee_id, row.dose_kind): row
        for row in tallies_of(form.site, form.on)
    }
    names = form.count_names()
    body: dict[str, Any] = {
        "outcome": outcome,
        "message": message,
        "values": {name: str(stored[name].count) if name in stored else "" for name in names},
        "versions": {
            version_name(name): str(stored[name].version) if name in stored else ""
            for name in names
        },
        "errors": errors,
        "conflicts": [_conflict_answer(form, conflict) for conflict in conflicts],
        "unusual": [_unusual_answer(form, figure) for figure in unusual],
        "needs_reason": "reason" in errors,
    }
    if saved is not None:
        body["saved"] = saved
    return SaveAnswer(status, body)


def _conflict_answer(form: TallyGridForm, conflict: Conflict) -> dict[str, str]:
    name = form.field_name_for(conflict.key[2], conflict.key[3])
    return {
        "field": name,
        "label": str(form.fields[name].label),
        "mine": "" if conflict.mine is None else str(conflict.mine),
        "theirs": "" if conflict.theirs is None else str(conflict.theirs),
        "by": conflict.changed_by,
        "at": timezone.localtime(conflict.changed_at).isoformat(timespec="seconds"),
    }


def _unusual_answer(form: TallyGridForm, figure: Unusual) -> dict[str, str | None]:
    name = (
        None
        if figure.dose_kind is None
        else form.field_name_for(figure.committee_id, figure.dose_kind)
    )
    return {
        "field": name,
        "label": str(form.fields[name].label) if name else _("The day's total"),
        "reason": figure.reason(),
    }


def _save_grid(
    request, form, grid, stored, data, with_non_residents, committees, day_problem
) -> tuple[SaveAnswer, dict[str, Any]]:
    """One save of the grid: its answer, and how the page shows it when not saved."""
    shown: dict[str, Any] = {"form": form, "stored": stored, "day_problem": day_problem}
    if day_problem is not None:
        form.add_error(None, day_problem.message)
        return _answer(form, "refused", 422, day_problem.message), shown
    zero = "report_zero" in data
    if zero and form.has_typed_counts():
        message = _(
            "There are numbers in the grid: nothing was saved. Save them with the Save "
            "button, or empty the cells first to report 0."
        )
        form.add_error(None, message)
        return _answer(form, "refused", 422, message), shown
    if not zero and not form.is_valid():
        return _answer(
            form, "refused", 422, _("Nothing was saved: please correct the marked cells.")
        ), shown
    try:
        if zero:
            committee = None if with_non_residents else committees.first()
            result = record_nobody_came(
                user=request.user, site=form.site, on=form.on, committee=committee
            )
        else:
            result = record_tallies(
                user=request.user,
                cells=form.cells(),
                reason=form.cleaned_data["reason"],
                capacity_confirmed=form.cleaned_data["capacity_confirmed"],
            )
    except TallyConflicts as conflicts:
        # Show both values and move the versions forward: saving again is then a
        # deliberate overwrite of the other person's value.
        fresh = list(tallies_of(form.site, form.on))
        form = TallyGridForm(_with_versions(form, data, fresh), stored=fresh, **grid)
        form.is_valid()
        answer = _answer(
            form, "conflict", 409, conflicts.messages[0], conflicts=conflicts.conflicts
        )
        return answer, {"form": form, "stored": fresh, "conflicts": conflicts.conflicts}
    except UnusualFigures as unusual:  # a day above capacity is one of them
        over_capacity = unusual.messages[0] if isinstance(unusual, CapacityExceeded) else None
        answer = _answer(form, "unusual", 422, unusual.messages[0], unusual=unusual.unusual)
        return answer, {**shown, "over_capacity": over_capacity, "unusual": unusual.unusual}
    except ValidationError as refusal:  # after its subclasses above
        errors: dict[str, list[str]] = {}
        for error in refusal.error_list:
            message = error.messages[0]
            field_name = "reason" if error.code == "reason_needed" else None
            form.add_error(field_name, message)
            errors.setdefault(field_name or "__all__", []).append(message)
        answer = _answer(form, "refused", 422, refusal.messages[0], errors=errors)
        return answer, shown
    except PermissionDenied as error:
        raise Http404 from error
    if result.cleared:
        message = _(
            "Saved: %(created)s new, %(updated)s changed, %(cleared)s cleared, "
            "%(unchanged)s unchanged."
        )
    else:
        message = _("Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
    counts = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "cleared": result.cleared,
    }
    return _answer(form, "saved", 200, message % counts, saved=counts), shown


def _render_grid(
    request,
    form,
    stored,
    *,
    day_problem=None,
    conflicts=(),
    over_capacity=None,
    unusual=(),
) -> HttpResponse:
    conflict_rows = [
        {"field": form.field_name_for(c.key[2], c.key[3]), "conflict": c} for c in conflicts
    ]
    for row in conflict_rows:
        row["label"] = form.fields[row["field"]].label
    unusual_rows = [
        {
            "field": None if u.is_day else form.field_name_for(u.committee_id, u.dose_kind),
            "reason": u.reason(),
        }
        for u in unusual
    ]
    for row in unusual_rows:
        row["label"] = form.fields[row["field"]].label if row["field"] else _("The day's total")
    if form.errors.get("reason"):
        # The box is above the grid; the message is at it, and the cursor in it.
        form.fields["reason"].widget.attrs["autofocus"] = True
    use = grid_use_at(form.site, form.on)
    shown_rows, folded_rows, folded_open = form.rows_by_use(use.committee_ids)
    return render(
        request,
        "sites/entry.html",
        {
            "form": form,
            "site": form.site,
            "on": form.on,
            "today": today(),
            "is_past": form.on < today(),
            "day_problem": day_problem,
            # The reason's error is shown at its box only.
            "cell_errors": any(name not in ("reason", "__all__") for name in form.errors),
            # A new save from this page each; the browser repeating a post sends the same.
            "save_key": uuid.uuid4(),
            "zero_save_key": uuid.uuid4(),
            "reported": bool(stored),
            "total": sum(t.count for t in stored),
            "conflicts": conflict_rows,
            "conflict_fields": {row["field"] for row in conflict_rows},
            "over_capacity": over_capacity,
            "unusual": unusual_rows,
            "unusual_fields": {row["field"] for row in unusual_rows if row["field"]},
            "history": tally_history(form.site, form.on)[:50],
            "shown_rows": shown_rows,
            "folded_rows": folded_rows,
            "folded_open": folded_open,
            "show_booster": use.boosters or form.dose_has_values(DailyTally.DoseKind.BOOSTER),
        },
    )


def tally_history_page(request: HttpRequest, site_id: int, day: str) -> HttpResponse:
    """Every change of one site's day: who, when, old → new, why."""
    scope = staff_scope_for(request.user)
    site = get_object_or_404(sites_visible_to(scope), pk=site_id)
    on = parse_day(day)
    if on is None:
        raise Http404
    return render(
        request,
        "sites/history.html",
        {
            "site": site,
            "on": on,
            "history": tally_history(site, on),
            "can_enter": sites_enterable_by(scope).filter(pk=site.pk).exists(),
        },
    )


def unreported_board(request: HttpRequest) -> HttpResponse:
    """Sites open today that have not reported yet; the page refreshes its list itself."""
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    on = today()
    context = {
        "sites": unreported_sites(scope, on),
        "on": on,
        "dose_kinds": DailyTally.DoseKind,
        # Every site on the board is in scope, so one answer serves them all: no query per site.
        "can_open_grid": can_enter_tallies(scope),
    }
    if request.GET.get("fragment"):
        return render(request, "sites/board_list.html", context)
    return render(request, "sites/board.html", context)
