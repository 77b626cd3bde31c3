"""Exports: daily tallies, the ranking and target progress as CSV or XLSX.

The selectors here return a ``Table``: headers in the user's language and plain values
(numbers stay numbers, dates stay dates), read in one query however many rows. The writers
turn a table into a file. On the way out every text cell goes through ``neutralise``: a
committee called ``=HYPERLINK(...)`` or ``-东片`` must reach Excel, WPS or LibreOffice as
text, never as a formula (OWASP "CSV Injection").
"""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from campaign.models import StaffScope
from reports.selectors import Area, committee_ranking, targets_in_scope
from sites.models import DailyTally, Site
from sites.resources import TEMPLATE_COLUMNS, TEMPLATE_HEADERS
from sites.selectors import sites_visible_to

if TYPE_CHECKING:  # openpyxl keeps the write-only sheet class in a private module
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CellValue = str | int | float | date | datetime | None

# A file is built in memory; past this many rows the user is asked for a shorter period.
# openpyxl writes about 7,000 rows a second here, the csv module twenty times that: the
# XLSX limit keeps a download well inside a web worker's 30-second timeout.
ROW_LIMITS = {"csv": 200_000, "xlsx": 100_000}

# A text cell starting with one of these is read as a formula by some spreadsheet
# (OWASP CSV Injection; ASVS 1.2.10 adds the NUL).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Spreadsheets skip leading spaces and invisible characters before reading a formula, and
# some read the full-width ＝ ＋ － ＠ as their ASCII forms: NFKC maps those (and ﹦ ﹢ ﹣ ﹫).
FORMULA_SIGNS = frozenset("=+-@")

# The columns an exported tally file shares with the tally import carry the headers of the
# import's template, so an exported file can be corrected and imported again. The other
# columns are translated with gettext and must not be names the import reads ("site" and
# "committee" mean the codes there).


DOSE_ORDER = Case(
    When(dose_kind=DailyTally.DoseKind.FIRST, then=Value(0)),
    When(dose_kind=DailyTally.DoseKind.SECOND, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[CellValue, ...]]


class ExportTooLarge(Exception):
    """More rows than one file may hold; the message says what to do."""


def neutralise(value: CellValue) -> CellValue:
    """Text that a spreadsheet would run as a formula, made plain text.

    A single quote goes in front, as OWASP advises: Excel then shows the text as typed.
    It matters in XLSX too, where cells are already written as text: editing such a cell
    and pressing Enter would otherwise turn it into a formula. Numbers, dates and empty
    cells pass unchanged.
    """
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS) or _first_visible_is_a_sign(value)
    ):
        return "'" + value
    return value


def _first_visible_is_a_sign(text: str) -> bool:
    """Whether the first character after spaces and control or format characters (line
    breaks, zero-width spaces, direction marks) reads as = + - or @."""
    for character in text:
        if character.isspace() or unicodedata.category(character).startswith("C"):
            continue
        return unicodedata.normalize("NFKC", character)[:1] in FORMULA_SIGNS
    return False


# Writers -----------------------------------------------------------------------------


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[CellValue]]) -> bytes:
    """UTF-8 with a byte order mark, so Excel on a Chinese Windows reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in itertools.chain([headers], rows):
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_text(value: CellValue) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def to_xlsx(
    headers: Sequence[str], rows: Sequence[Sequence[CellValue]], *, sheet_title: str = "export"
) -> bytes:
    """One sheet, the header row frozen. Every text cell is written as a string cell, so
    nothing in the file is a formula, whatever the text starts with."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_column_widths(headers, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in itertools.chain([headers], rows):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_xlsx_book(sheets: Sequence[tuple[str, Table]]) -> bytes:
    """Several sheets, each as ``to_xlsx`` writes one (titles cut to Excel's 31 characters)."""
    workbook = Workbook(write_only=True)
    for title, table in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        for index, width in enumerate(_column_widths(table.headers, table.rows), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for row in itertools.chain([table.headers], table.rows):
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: CellValue) -> WriteOnlyCell | CellValue:
    if not isinstance(value, str):
        return value
    # Control characters are not allowed in the XML; drop them before looking at the start.
    cell = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
    cell.data_type = "s"  # openpyxl would make "=..." a formula; text stays text
    return cell


def _column_widths(headers: Sequence[str], rows: Sequence[Sequence[CellValue]]) -> list[float]:
    """Wide enough for the header and the first rows; a Chinese character counts twice."""
    widths = []
    for column, header in enumerate(headers):
        sample = [row[column] for row in rows[:500]]
        longest = max((_display_width(value) for value in [header, *sample]), default=8)
        widths.append(min(max(longest + 2, 8), 50))
    return widths


def _display_width(value: CellValue) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = str(value)
    return len(text) + sum(1 for char in text if ord(char) > 0x2E80)


# Selectors ---------------------------------------------------------------------------


def tally_export(
    scope: StaffScope | None,
    *,
    start: date,
    end: date,
    site: Site | None = None,
    limit: int = ROW_LIMITS["csv"],
) -> Table:
    """The tallies of the sites the scope may see (committee staff: their committee's),
    from ``start`` to ``end`` inclusive, oldest first; raises ExportTooLarge above
    ``limit`` rows."""
    tallies = DailyTally.objects.filter(
        site__in=sites_visible_to(scope), date__gte=start, date__lte=end
    )
    if scope is not None and scope.role == StaffScope.Role.COMMITTEE_STAFF:
        tallies = tallies.filter(committee_id=scope.committee_id)  # what they may enter
    if site is not None:
        tallies = tallies.filter(site=site)
    records = list(
        tallies.order_by(
            "date", "site__code", F("committee__code").asc(nulls_last=True), DOSE_ORDER
        ).values_list(
            "date",
            "site__code",
            "site__name",
            "committee__code",
            "committee__name",
            "dose_kind",
            "count",
            "source",
            "entered_by__username",
            "entered_by__first_name",
            "entered_by__last_name",
            "updated_at",
        )[: limit + 1]
    )
    if len(records) > limit:
        raise ExportTooLarge(
            _("More than %(limit)s tallies match: choose a shorter period or one site.")
            % {"limit": f"{limit:,}"}
        )
    language = _import_language()
    imported = dict(zip(TEMPLATE_COLUMNS, TEMPLATE_HEADERS[language], strict=True))
    headers = [
        imported["date"],
        imported["site_code"],
        _("site name"),
        imported["committee_code"],
        _("committee name"),
        imported["dose"],
        imported["count"],
        _("source"),
        _("entered by"),
        _("saved at"),
    ]
    # Doses as the import reads them: 第一剂, 第二剂, 加强针 in Chinese; first, second,
    # booster in English.
    doses = {
        kind: kind if language == "en" else str(label)
        for kind, label in DailyTally.DoseKind.choices
    }
    sources = {kind: str(label) for kind, label in DailyTally.Source.choices}
    non_residents = _("Non-residents")
    rows = [
        (
            day,
            site_code,
            site_name,
            committee_code or "",
            committee_name if committee_code is not None else non_residents,
            doses.get(dose_kind, dose_kind),
            count,
            sources.get(source, source),
            _user_name(username, first_name, last_name),
            timezone.localtime(saved_at).replace(tzinfo=None, microsecond=0),
        )
        for (
            day,
            site_code,
            site_name,
            committee_code,
            committee_name,
            dose_kind,
            count,
            source,
            username,
            first_name,
            last_name,
            saved_at,
        ) in records
    ]
    return Table(headers, rows)


def _user_name(username: str | None, first_name: str | None, last_name: str | None) -> str:
    """As the pages show a user: the full name, else the username; empty for an import
    made without one."""
    return f"{first_name or ''} {last_name or ''}".strip() or username or ""


def _import_language() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh-hans"


def ranking_export(area: Area, *, on: date, metric: str) -> Table:
    """The ranking page's table, row for row: same area, date and order."""
    headers = [
        _("rank"),
        _("committee code"),
        _("committee"),
        _("subdistrict"),
        _("doses today"),
        _("first doses, cumulative"),
        _("first-dose coverage (%)"),
        _("full-course coverage (%)"),
        _("rank change in subdistrict")
        if area.kind == "subdistrict"
        else _("rank change in district"),
        _("target completion (%)"),
    ]
    ranking = committee_ranking(area, on=on, metric=metric).values_list(
        "rank",
        "committee__code",
        "committee__name",
        "subdistrict__name",
        "doses_today",
        "first_cumulative",
        "first_percent",
        "full_course_percent",
        "change",
        "target_percent",
    )
    rows = [
        (*columns, _round(first_pc), _round(full_pc), change, _round(target_pc))
        for *columns, first_pc, full_pc, change, target_pc in ranking
    ]
    return Table(headers, rows)


def target_export(scope: StaffScope | None, *, on: date) -> Table:
    """The targets page's list: every target in scope started by ``on``, with its progress."""
    headers = [
        _("target"),
        _("area"),
        _("metric"),
        _("period start"),
        _("period end"),
        _("target value"),
        _("achieved"),
        _("completion (%)"),
        _("remaining"),
        _("daily pace needed"),
        _("projected completion"),
        _("reached on"),
        _("days early"),
    ]
    rows = [
        (
            target.name,
            target.scope.name if target.scope else "",
            target.get_metric_display(),
            target.period_start,
            target.period_end,
            target.value,
            target.achieved,
            _round(target.percent),
            target.remaining,
            target.pace_needed,
            target.projected_on,
            target.reached_on,
            target.days_early,
        )
        for target in targets_in_scope(scope, on=on)
    ]
    return Table(headers, rows)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
