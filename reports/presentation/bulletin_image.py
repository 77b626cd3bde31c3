"""The bulletin as a PNG image for a phone chat group: 1080 px wide, drawn with Pillow.

The Chinese font ships with the project (``reports/fonts``, WenQuanYi Micro Hei, Apache
2.0), so the image is the same on a machine without any CJK font. Every name is drawn as
plain text: nothing in it is interpreted, whatever it contains.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageDraw, ImageFont

from campaign.users import display_name
from reports.models import Bulletin
from reports.presentation.bulletins import BulletinSections, bulletin_sections
from reports.presentation.figures import one_decimal
from reports.selectors.bulletins import bulletin_restatement

if TYPE_CHECKING:
    from reports.selectors.bulletins import VisibleBulletin

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
WIDTH = 1080
MARGIN = 48
MAX_HEIGHT = 6000  # the canvas; the image is cropped to what was drawn

INK = (26, 32, 44)
MUTED = (90, 103, 120)
BRAND = (200, 16, 46)  # the portal's red
LINE = (226, 232, 240)
UP = (47, 133, 90)
DOWN = (197, 48, 48)
WARN = (183, 121, 31)
WHITE = (255, 255, 255)


def _pct(value: float) -> str:
    """One decimal, as the pages and charts write it: 72.05 is 72.1%."""
    return f"{one_decimal(value):.1f}%"


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size, index=0)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """``text`` cut with an ellipsis to fit in ``width`` pixels."""
    text = " ".join(str(text).split())  # one line: newlines and tabs become spaces
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


@dataclass
class _Pen:
    draw: ImageDraw.ImageDraw
    y: int = 0
    drawn: list[str] | None = None  # every text drawn, when asked for (tests)

    def text(
        self, x: int, text: str, *, size: int, fill=INK, width: int | None = None, right=False
    ):
        font = _font(size)
        text = _fit(self.draw, text, font, width or ((x - MARGIN) if right else WIDTH - MARGIN - x))
        if right:
            x -= int(self.draw.textlength(text, font=font))
        self.draw.text((x, self.y), text, font=font, fill=fill)
        if self.drawn is not None:
            self.drawn.append(text)

    def heading(self, text: str) -> None:
        self.y += 24
        self.text(MARGIN, text, size=34, fill=BRAND)
        self.y += 50
        self.draw.line((MARGIN, self.y, WIDTH - MARGIN, self.y), fill=LINE, width=2)
        self.y += 12


def _ranking_rows(pen: _Pen, rows: list[dict]) -> None:
    for row in rows:
        pen.text(MARGIN, str(row["rank"]), size=30, fill=MUTED, width=70)
        pen.text(MARGIN + 80, row["name"], size=30, width=560)
        pen.text(
            WIDTH - MARGIN - 260,
            _("%(count)s today") % {"count": row["doses_today"]},
            size=26,
            fill=MUTED,
            width=200,
        )
        pen.text(WIDTH - MARGIN, _pct(row["first_percent"]), size=30, right=True)
        pen.y += 46


def _more(pen: _Pen, count: int) -> None:
    if count:
        pen.text(MARGIN, _("… and %(count)s more") % {"count": count}, size=26, fill=MUTED)
        pen.y += 44


def bulletin_png(
    sections: BulletinSections, *, footer: str, restated: bool, drawn: list[str] | None = None
) -> bytes:
    """The one-page bulletin as PNG bytes, ``WIDTH`` pixels wide. Its lists are the
    sections' (cut to a fixed length), so it always ends with the footer within
    ``MAX_HEIGHT``. ``drawn``, when given, receives every text drawn."""
    figures = sections.figures
    totals = figures["totals"]
    image = Image.new("RGB", (WIDTH, MAX_HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    pen = _Pen(draw, drawn=drawn)

    draw.rectangle((0, 0, WIDTH, 170), fill=BRAND)
    pen.y = 30
    pen.text(
        MARGIN,
        _("%(area)s daily bulletin") % {"area": figures["subdistrict"]["name"]},
        size=52,
        fill=WHITE,
    )
    pen.y = 108
    line = figures["date"]
    if figures.get("campaign"):
        line += " · " + _("day %(day)s of %(length)s") % figures["campaign"]
    pen.text(MARGIN, line, size=30, fill=WHITE)
    pen.y = 190

    if restated:
        draw.rectangle((MARGIN, pen.y, WIDTH - MARGIN, pen.y + 60), fill=(255, 245, 245))
        pen.y += 12
        pen.text(
            MARGIN + 16,
            _("Restated: tallies were corrected after publication."),
            size=28,
            fill=DOWN,
        )
        pen.y += 64

    # Four totals in a 2 × 2 grid.
    boxes = [
        (_("Doses today"), f"{totals['doses_today']:,}"),
        (_("Rank in the district"), str(totals["rank_in_district"])),
        (
            _("First-dose coverage"),
            f"{_pct(totals['first_percent'])}  ({sections.first_people:,})",
        ),
        (
            _("Full-course coverage"),
            f"{_pct(totals['full_course_percent'])}  ({sections.full_course_people:,})",
        ),
    ]
    half = (WIDTH - 2 * MARGIN - 24) // 2
    for index, (label, value) in enumerate(boxes):
        x = MARGIN + (index % 2) * (half + 24)
        top = pen.y + (index // 2) * 140
        draw.rounded_rectangle((x, top, x + half, top + 124), radius=12, outline=LINE, width=2)
        draw.text(
            (x + 20, top + 14), _fit(draw, label, _font(26), half - 40), font=_font(26), fill=MUTED
        )
        draw.text(
            (x + 20, top + 54), _fit(draw, value, _font(42), half - 40), font=_font(42), fill=INK
        )
        if drawn is not None:
            drawn += [label, value]
    pen.y += 280

    pen.heading(_("Top committees") if sections.bottom else _("Ranking"))
    _ranking_rows(pen, sections.top)
    if sections.bottom:
        pen.heading(_("Bottom committees"))
        _ranking_rows(pen, sections.bottom)

    if sections.risers or sections.fallers:
        pen.heading(_("Rank changes"))
        for row in sections.risers:
            pen.text(MARGIN, f"▲{row['up']}", size=30, fill=UP, width=100)
            pen.text(MARGIN + 110, row["name"], size=30, width=600)
            pen.text(
                WIDTH - MARGIN,
                _("now %(rank)s") % {"rank": row["rank"]},
                size=26,
                fill=MUTED,
                right=True,
            )
            pen.y += 46
        for row in sections.fallers:
            pen.text(MARGIN, f"▼{row['down']}", size=30, fill=DOWN, width=100)
            pen.text(MARGIN + 110, row["name"], size=30, width=600)
            pen.text(
                WIDTH - MARGIN,
                _("now %(rank)s") % {"rank": row["rank"]},
                size=26,
                fill=MUTED,
                right=True,
            )
            pen.y += 46

    if sections.targets:
        pen.heading(_("Targets"))
        for target in sections.targets:
            pen.text(MARGIN, target["name"], size=30, width=720)
            pen.text(WIDTH - MARGIN, _pct(target["percent"]), size=30, right=True)
            pen.y += 42
            if target["reached_on"]:
                status = _("reached on %(day)s") % {"day": target["reached_on"].strftime("%m-%d")}
                colour = UP
            elif target["days_left"] == 0:
                status = _("ends today, %(remaining)s to go") % {
                    "remaining": f"{target['remaining']:,}"
                }
                colour = MUTED
            else:
                status = ngettext(
                    "%(days)s day left, %(remaining)s to go",
                    "%(days)s days left, %(remaining)s to go",
                    target["days_left"],
                ) % {"days": target["days_left"], "remaining": f"{target['remaining']:,}"}
                colour = MUTED
            pen.text(
                MARGIN,
                f"{target['achieved']:,} / {target['value']:,} · {status}",
                size=24,
                fill=colour,
            )
            pen.y += 48
        _more(pen, sections.more_targets)

    pen.heading(_("Sites that did not report"))
    if sections.unreported:
        for site in sections.unreported:
            pen.text(MARGIN, site["name"], size=30, fill=WARN)
            pen.y += 44
        _more(pen, sections.more_unreported)
    else:
        pen.text(MARGIN, _("Every open site reported."), size=30, fill=UP)
        pen.y += 44

    pen.y += 24
    draw.line((MARGIN, pen.y, WIDTH - MARGIN, pen.y), fill=LINE, width=2)
    pen.y += 16
    pen.text(MARGIN, footer, size=24, fill=MUTED)
    pen.y += 56

    buffer = io.BytesIO()
    image.crop((0, 0, WIDTH, min(pen.y, MAX_HEIGHT))).save(buffer, format="PNG")
    return buffer.getvalue()


def bulletin_publisher(bulletin: Bulletin) -> str:
    """The name frozen at publication (else, for older bulletins, the current one)."""
    return bulletin.published_by_name or display_name(bulletin.published_by)


def bulletin_footer(bulletin: Bulletin) -> str:
    local = timezone.localtime
    return _("Published by %(user)s at %(time)s · data as of %(as_of)s") % {
        "user": bulletin_publisher(bulletin),
        "time": date_format(local(bulletin.published_at), "Y-m-d H:i"),
        "as_of": date_format(local(bulletin.data_as_of), "Y-m-d H:i"),
    }


def published_bulletin_png(bulletin: VisibleBulletin) -> bytes:
    """A published bulletin's image as its page serves it (and the group robots post it):
    its frozen figures, "restated" when tallies changed since."""
    restated, _current = bulletin_restatement(bulletin)
    return bulletin_png(
        bulletin_sections(bulletin.figures), footer=bulletin_footer(bulletin), restated=restated
    )
