"""What the robots say, as markdown both platforms show: links, bold, quotes, lists.

Written in the portal's language (zh-hans unless the settings say otherwise); every
link is absolute, from ``STREETVAX_BASE_URL``, and opens the portal's own page, which
asks the reader to log in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.areas import Area
from campaign.models import Committee, District, Subdistrict, Target
from reports.models import Bulletin, TargetProgress
from sites.models import Site


@dataclass(frozen=True)
class Message:
    title: str
    content: str


def absolute_url(path: str) -> str:
    return settings.STREETVAX_BASE_URL.rstrip("/") + path


def _escape(text: str) -> str:
    """A name shown as text, not as markdown: no link or emphasis of its own. (Names never
    start a line, so ``#`` and ``>`` stay plain; Chinese names' full-width brackets are
    left as they are.)"""
    for char in "\\[]*_`<":
        text = text.replace(char, "\\" + char)
    return text


def _bold(text: str) -> str:
    return f"**{text}**"


def _percent(value: float) -> str:
    """One decimal, half up, as the pages show coverage."""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _fit(
    head: list[str], lines: list[str], tail: list[str], limit: int, more: Callable[[int], str]
) -> str:
    """``head``, as many of ``lines`` as fit in ``limit`` bytes (UTF-8) with ``tail``, and
    ``more(n)`` naming the ``n`` lines left out."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        trial = [*head, *kept, line, *([more(rest)] if rest else []), *tail]
        if len("\n".join(trial).encode()) > limit:
            break
        kept.append(line)
    left = len(lines) - len(kept)
    return "\n".join([*head, *kept, *([more(left)] if left else []), *tail])


def reminder_message(
    *, area: District | Subdistrict, on: date, sites: list[Site], limit: int
) -> Message:
    """The evening reminder: the sites of ``area`` open on ``on`` that have not reported,
    each with a link to its entry grid, then a link to the board."""
    shown_day = date_format(on, "Y-m-d")
    title = _("%(area)s: sites not reported on %(date)s") % {"area": area.name, "date": shown_day}
    board = absolute_url(reverse("sites:board"))
    if not sites:
        return Message(
            title,
            _bold(
                _("%(area)s: every open site has reported for %(date)s.")
                % {"area": _escape(area.name), "date": shown_day}
            )
            + f"\n[{_('Open the board')}]({board})",
        )
    head = [
        _bold(
            ngettext(
                "%(area)s: %(count)d site has not reported for %(date)s",
                "%(area)s: %(count)d sites have not reported for %(date)s",
                len(sites),
            )
            % {"area": _escape(area.name), "count": len(sites), "date": shown_day}
        )
    ]
    lines = []
    for site in sites:
        name = _escape(site.name)
        if isinstance(area, District):
            name = f"{_escape(site.subdistrict.name)} · {name}"
        link = absolute_url(reverse("sites:entry", args=[site.pk, on.isoformat()]))
        last = getattr(site, "last_report_day", None)
        detail = (
            _("last report %(date)s") % {"date": date_format(last, "Y-m-d")}
            if last
            else _("never reported")
        )
        lines.append(f"- [{name}]({link}) {site.get_kind_display()} · {detail}")
    tail = [f"[{_('Open the board')}]({board})"]
    return Message(
        title,
        _fit(
            head,
            lines,
            tail,
            limit,
            lambda n: (
                ngettext("… and %(count)d more site", "… and %(count)d more sites", n)
                % {"count": n}
            ),
        ),
    )


def bulletin_message(bulletin: Bulletin) -> Message:
    """The headline figures of a published bulletin and a link to it."""
    figures = bulletin.figures
    totals = figures["totals"]
    name = figures["subdistrict"]["name"]
    title = _("%(area)s daily bulletin") % {"area": name} + " " + figures["date"]
    link = absolute_url(reverse("reports:bulletin", args=[bulletin.pk]))
    lines = [
        _bold(_("%(area)s daily bulletin") % {"area": _escape(name)} + " · " + figures["date"]),
        "> "
        + _("Doses today: **%(total)s** (first %(first)s, second %(second)s, booster %(booster)s)")
        % {
            "total": f"{totals['doses_today']:,}",
            "first": f"{totals['first_doses']:,}",
            "second": f"{totals['second_doses']:,}",
            "booster": f"{totals['booster_doses']:,}",
        },
        "> "
        + _("First-dose coverage: **%(percent)s%%** (%(people)s people)")
        % {
            "percent": _percent(totals["first_percent"]),
            "people": f"{totals['first_cumulative']:,}",
        },
        "> "
        + _("Full-course coverage: **%(percent)s%%** (%(people)s people)")
        % {
            "percent": _percent(totals["full_course_percent"]),
            "people": f"{totals['full_course_cumulative']:,}",
        },
        "> "
        + _("Rank in %(district)s: %(rank)s")
        % {"district": _escape(figures["district"]["name"]), "rank": totals["rank_in_district"]},
    ]
    if totals["sites_unreported"]:
        lines.append(
            "> "
            + ngettext(
                "%(count)d site did not report",
                "%(count)d sites did not report",
                totals["sites_unreported"],
            )
            % {"count": totals["sites_unreported"]}
        )
    lines.append(f"[{_('Open the bulletin')}]({link})")
    return Message(title, "\n".join(lines))


def target_message(target: Target, progress: TargetProgress) -> Message:
    """A target reached: its area, value, what was achieved and when."""
    area = target.area
    title = _("Target reached: %(name)s") % {"name": target.name}
    reached = date_format(progress.reached_on, "Y-m-d") if progress.reached_on else ""
    when = _("Reached on %(date)s") % {"date": reached}
    if progress.days_early:
        when += ngettext(", %(days)d day early", ", %(days)d days early", progress.days_early) % {
            "days": progress.days_early
        }
    page = reverse("reports:targets")
    if area is not None:
        shown = Area(area.subdistrict) if isinstance(area, Committee) else Area(area)
        page += "?" + urlencode({"area": shown.key, "date": progress.date.isoformat()})
    lines = [
        _bold(_("Target reached: %(name)s") % {"name": _escape(target.name)}),
        "> "
        + _("%(area)s · %(metric)s: %(achieved)s of %(value)s (%(percent)s%%)")
        % {
            "area": _escape(area.name if area else ""),
            "metric": target.get_metric_display(),
            "achieved": f"{progress.achieved:,}",
            "value": f"{target.value:,}",
            "percent": _percent(progress.percent),
        },
        "> " + when,
        f"[{_('Open the targets')}]({absolute_url(page)})",
    ]
    return Message(title, "\n".join(lines))
