"""The export writers: a ``Table`` to a CSV or XLSX file.

On the way out every text cell goes through ``neutralise``: a committee called
``=HYPERLINK(...)`` or ``-东片`` must reach Excel, WPS or LibreOffice as text, never as a
formula (OWASP "CSV Injection").
"""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, overload

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter

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


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: Sequence[Sequence[CellValue]]


class ExportTooLarge(Exception):
    """More rows than one file may hold; the message says what to do."""


@overload
def neutralise(value: str) -> str: ...
@overload
def neutralise(value: CellValue) -> CellValue: ...
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
    if isinstance(value, str):
        return neutralise(value)
    return value


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


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: CellValue) -> Cell | CellValue:
    if not isinstance(value, str):
        return value
    # Control characters are not allowed in the XML; drop them before looking at the start.
    cell = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
    cell.data_type = "s"  # openpyxl would make "=..." a formula; text stays text
    return cell


def _column_widths(headers: Sequence[str], rows: Sequence[Sequence[CellValue]]) -> list[float]:
    """Wide enough for the header and the first rows; a Chinese character counts twice."""
    widths: list[float] = []
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
