"""Importing tally files from district systems: one service for the import page, the
admin and ``manage.py import_tallies``.

A file is checked whole first (a dry run): every bad row is reported with its line,
column and reason, and a file with any bad row writes nothing. The real import then
hands every row to ``record_tallies`` in one transaction, as the entry grid does, so the
rules, the history ("import" as source) and the ranking rebuild are the same. Values are
set, never added; a file already imported (same SHA-256) changes nothing.

The audit trail gets an event when a file is checked and when its import ends (imported,
already imported or failed), each with the file's SHA-256, its counts and the account.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import openpyxl
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from campaign.access import import_subdistrict_id, staff_scope_for
from campaign.broker import broker_send
from campaign.calendar import CampaignCalendar
from campaign.models import Committee, StaffScope
from campaign.uploads import MAX_UPLOAD_BYTES, UndecodableFile, decode_upload
from sites.models import DailyTally, Site, TallyImport
from sites.resources import (
    REQUIRED,
    column_for,
    header_in,
    parse_date,
    parse_dose,
    parse_required_count,
)
from sites.rules import TallyRules
from sites.selectors.outliers import LOOKBACK_DAYS, site_day_totals, unusual_site_days
from sites.selectors.tallies import sites_enterable_by
from sites.services.tallies import TallyCell, TallyConflicts, TallyKey, record_tallies

# Imports above this many rows run as a background job (in-process without a broker).
BACKGROUND_ROWS = 5_000
MAX_ERRORS_KEPT = 500
# What one check may read (issue 17): a million junk lines are refused at once, and a
# file of errors stops at the errors shown. Larger valid files are split by the district.
MAX_ROWS = 200_000
MAX_CHECK_SECONDS = 20  # well inside a web worker's timeout
MAX_CELL_CHARACTERS = 200  # no column holds more; longer cells are not echoed back
# A cell may be as long as the file (Excel writes long notes); csv's default stops at 128 KB.
csv.field_size_limit(MAX_UPLOAD_BYTES)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
PREVIEW_ROWS = 100  # of the new rows and of the changed rows, each


@dataclass
class RowError:
    line: int  # 1 is the header line
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        # PostgreSQL's JSON holds no NUL character: shown as the two characters \0.
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message.replace("\0", "\\0"),
        }


@dataclass
class CheckedFile:
    """A parsed and validated file: its cells ready for ``record_tallies``, or errors."""

    encoding: str = ""
    cells: list[TallyCell] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # unusual site days


def tally_import_check(
    *, user: User, file_name: str, content: bytes, store: bool = True
) -> TallyImport:
    """The dry run: check the whole file, count new / updated / unchanged rows, keep the
    file for the confirmation and log the attempt. Writes no tally."""
    log = _new_log(user, file_name, content)
    previous = _already_imported(log)
    if previous is not None:
        log.status = TallyImport.Status.ALREADY_IMPORTED
        log.errors = [
            RowError(
                0,
                "",
                _("This file was already imported on %(when)s.")
                % {"when": date_format(timezone.localtime(previous.finished_at), "Y-m-d H:i")},
            ).as_dict()
        ]
        log.save()
        _audit(log, AuditEvent.Kind.IMPORT_CHECKED)
        return log
    checked = check_file(user=user, content=content)
    _fill_counts(log, checked)
    if checked.errors:
        log.status = TallyImport.Status.REFUSED
    else:
        log.status = TallyImport.Status.CHECKED
        if store:
            log.stored_as = default_storage.save(f"imports/{log.sha256}.csv", ContentFile(content))
    log.save()
    _audit(log, AuditEvent.Kind.IMPORT_CHECKED)
    return log


def tally_import_confirm(*, log: TallyImport) -> TallyImport:
    """Start the import of a checked file: at once when small, as a job when large.

    A large import is committed as queued before its job is sent. If the job service is
    down the import stays queued and confirmable: confirming again, or the periodic
    sweep (``tally_imports_send_queued``), sends it once the service is back.
    """
    if log.status == TallyImport.Status.QUEUED and log.job_sent_at is None:
        transaction.on_commit(lambda: _send_import_job(log.pk))
        return log
    if log.status != TallyImport.Status.CHECKED:
        return log
    if log.rows_total <= BACKGROUND_ROWS:
        return tally_import_run(log=log)
    log.status = TallyImport.Status.QUEUED
    log.save(update_fields=["status"])
    transaction.on_commit(lambda: _send_import_job(log.pk))
    return log


# A checked file waits this long for its confirmation; then the sweep deletes it.
CHECKED_KEPT_FOR = timedelta(days=1)


def tally_import_discard(*, log: TallyImport) -> TallyImport:
    """Drop a checked file its importer will not confirm: nothing was written; the stored
    file goes, the log stays."""
    return _drop_checked(log, TallyImport.Status.DISCARDED)


def tally_imports_expire() -> int:
    """The periodic sweep: checked files left unconfirmed for a day are deleted."""
    stale = TallyImport.objects.filter(
        status=TallyImport.Status.CHECKED, created_at__lt=timezone.now() - CHECKED_KEPT_FOR
    )
    return sum(
        _drop_checked(log, TallyImport.Status.EXPIRED).status == TallyImport.Status.EXPIRED
        for log in stale
    )


def _drop_checked(log: TallyImport, status: str) -> TallyImport:
    dropped = TallyImport.objects.filter(pk=log.pk, status=TallyImport.Status.CHECKED).update(
        status=status
    )
    log.refresh_from_db()
    if dropped and log.stored_as:
        default_storage.delete(log.stored_as)
        TallyImport.objects.filter(pk=log.pk).update(stored_as="")
        log.stored_as = ""
    return log


def _send_import_job(import_id: int) -> None:
    from sites.tasks import tally_import_run as tally_import_run_task

    if broker_send(tally_import_run_task, import_id):
        TallyImport.objects.filter(pk=import_id, status=TallyImport.Status.QUEUED).update(
            job_sent_at=timezone.now()
        )


def tally_imports_send_queued() -> int:
    """The sweep of imports: send every queued import that no worker took, because its
    job was never sent (the job service was down) or was lost with the broker's queue
    (not started within the broker's visibility timeout). Returns how many were sent."""
    lost_after = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    waiting = TallyImport.objects.filter(status=TallyImport.Status.QUEUED).filter(
        Q(job_sent_at__isnull=True)
        | Q(job_sent_at__lt=timezone.now() - timedelta(seconds=lost_after))
    )
    sent = 0
    for import_id in waiting.values_list("pk", flat=True):
        _send_import_job(import_id)
        sent += 1
    return sent


def tally_import_run(*, log: TallyImport) -> TallyImport:
    """The confirmed import of a checked file: everything or nothing, in one transaction.

    The log is claimed with one conditional UPDATE. A job whose worker died mid-way (the
    log stays "importing") may be delivered and run again: its transaction wrote nothing,
    and a second run of a finished one would only find every value unchanged.
    """
    if _already_imported(log) is not None:
        log.status = TallyImport.Status.ALREADY_IMPORTED
        log.save(update_fields=["status"])
        _audit(log, AuditEvent.Kind.IMPORTED)
        return log
    startable = [TallyImport.Status.CHECKED, TallyImport.Status.QUEUED, TallyImport.Status.RUNNING]
    claimed = TallyImport.objects.filter(pk=log.pk, status__in=startable).update(
        status=TallyImport.Status.RUNNING
    )
    log.refresh_from_db()
    if not claimed:
        return log
    checked = CheckedFile()
    try:
        with default_storage.open(log.stored_as, "rb") as stored:
            content = stored.read()
        # Checked already, in a request: the job's own time limit bounds it here.
        checked = check_file(user=log.user, content=content, time_limit=None)
        if checked.errors:
            raise ValidationError("the file no longer passes its checks")
        _record_with_retries(log, checked.cells)
    except Exception as error:
        _record_failure(log, error, checked)
        if not isinstance(error, ValidationError):
            raise
        return log
    log.status = TallyImport.Status.IMPORTED
    default_storage.delete(log.stored_as)
    log.stored_as = ""
    _fill_counts(log, checked)
    log.finished_at = timezone.now()
    log.save()
    _audit(log, AuditEvent.Kind.IMPORTED)
    return log


def _record_failure(log: TallyImport, error: Exception, checked: CheckedFile) -> None:
    """Nothing was saved; say why on the import page."""
    log.status = TallyImport.Status.FAILED
    _fill_counts(log, checked)
    if not checked.errors:
        messages = getattr(error, "messages", None) or [
            _("The import stopped on an unexpected error; nothing was saved.")
        ]
        log.errors = [RowError(0, "", "; ".join(messages)).as_dict()]
    log.finished_at = timezone.now()
    log.save()
    _audit(log, AuditEvent.Kind.IMPORTED)


def _audit(log: TallyImport, kind: str) -> None:
    """The event of a check or of an import's end: the file, its hash and its counts."""
    audit_record(
        kind=kind,
        user=log.user,
        detail={
            "model": "tally",
            "import_id": log.pk,
            "file": log.file_name,
            "sha256": log.sha256,
            "size": log.size,
            "encoding": log.encoding,
            "outcome": log.status,
            "rows": log.rows_total,
            "new": log.rows_new,
            "updated": log.rows_updated,
            "unchanged": log.rows_unchanged,
            "rejected": log.rows_rejected,
        },
    )


def _record_with_retries(log: TallyImport, cells: list[TallyCell], attempts: int = 3) -> None:
    """Set the file's values. A clerk saving a new cell of the same key at the same moment
    makes the insert clash; the import then runs again and sets over the clerk's value,
    so both changes are in the history and neither is lost."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                record_tallies(
                    user=log.user,
                    cells=cells,
                    source=DailyTally.Source.IMPORT,
                    reason=_("File import: %(name)s") % {"name": log.file_name},
                    check_versions=False,
                    capacity_confirmed=True,  # a district system's count is the count
                )
            return
        except TallyConflicts:
            if attempt == attempts:
                raise


def check_file(
    *, user: User, content: bytes, time_limit: float | None = MAX_CHECK_SECONDS
) -> CheckedFile:
    """Decode, parse and validate every row; nothing is written."""
    checked = CheckedFile()
    if len(content) > MAX_UPLOAD_BYTES:
        checked.errors.append(RowError(0, "", _("The file is larger than 20 MB.")))
        return checked
    if content.startswith(XLSX_MAGIC):
        try:
            rows = _xlsx_rows(content)
        except Exception:  # openpyxl raises many kinds on a damaged workbook
            checked.errors.append(RowError(0, "", _("The XLSX file cannot be read.")))
            return checked
        checked.encoding = "xlsx"
    else:
        try:
            text, checked.encoding = decode_upload(content)
        except UndecodableFile:
            checked.errors.append(
                RowError(
                    0, "", _("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8).")
                )
            )
            return checked
        if len(_LINE_BREAK.findall(text)) > MAX_ROWS + 1:
            checked.errors.append(
                RowError(
                    0,
                    "",
                    _("The file has more than %(rows)s lines: split it into smaller files.")
                    % {"rows": f"{MAX_ROWS:,}"},
                )
            )
            return checked
        rows = _rows(text, checked, time_limit)
    try:
        _check_parsed(user, rows, checked)
    except csv.Error:  # a quote or a field the CSV reader cannot take: refused, not a 500
        checked.cells.clear()
        checked.errors.append(
            RowError(0, "", _("The file cannot be read as CSV: check its quotes and line breaks."))
        )
    return checked


def _check_parsed(user: User, rows: Iterator[tuple[int, list[str]]], checked: CheckedFile) -> None:
    header = next(rows, None)
    if header is None:
        if not checked.errors:
            checked.errors.append(RowError(1, "", _("The file is empty.")))
        return
    columns = [column_for(name) for name in header[1]]
    if duplicated := _duplicated_columns(header[1], columns):
        checked.errors.append(duplicated)
        return
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        named = ", ".join(f"{header_in(name, 'zh-hans')} ({name})" for name in missing)
        checked.errors.append(RowError(1, named, _("Required columns are missing.")))
        return
    scope = staff_scope_for(user)
    if scope is None:
        checked.errors.append(
            RowError(0, "", _("Your account has no scope: ask an administrator."))
        )
        return
    # Errors name a column as the file's own header does (接种数, not count).
    file_headers = {
        column: name.strip().lstrip("\ufeff")
        for column, name in zip(columns, header[1], strict=False)
        if column is not None
    }
    _check_rows(scope, columns, rows, checked, file_headers)


def _rows(
    text: str, checked: CheckedFile, time_limit: float | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank line; comma or tab separated, with any
    line ending Excel writes (CR, LF, CR LF). A line that cannot be read is reported in
    ``checked`` with its number and skipped; reading stops at MAX_ERRORS_KEPT errors, at
    MAX_ROWS rows or after ``time_limit`` seconds, with an error saying so."""
    first_line = _LINE_BREAK.split(text, maxsplit=1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # newline="": the csv module sees the line endings itself (a CR alone included).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors = checked.errors
    deadline = time.monotonic() + time_limit if time_limit is not None else None
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # the reader cannot go on past this line
            errors.append(
                RowError(
                    line, "", _("This line cannot be read as CSV: %(error)s") % {"error": error}
                )
            )
            return
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        if problem := _unreadable(cells, line, reader.line_num):
            errors.append(RowError(line, "", problem))
            if rows == 1:  # the header: without it no line can be read
                return
        else:
            yield line, [cell.strip() for cell in cells]
        if len(errors) >= MAX_ERRORS_KEPT - 1:  # the last one kept says why it stopped
            errors.append(
                RowError(
                    0,
                    "",
                    _(
                        "The check stopped after %(count)s errors: correct these and check "
                        "the file again."
                    )
                    % {"count": MAX_ERRORS_KEPT},
                )
            )
            return
        if deadline is not None and rows % 1000 == 0 and time.monotonic() > deadline:
            errors.append(
                RowError(
                    line, "", _("Checking the file took too long: split it into smaller files.")
                )
            )
            return


def _unreadable(cells: list[str], line: int, last_line: int) -> str:
    """Why a row cannot be one of the file's rows, or "" when it can."""
    if last_line > line:  # a quoted cell ran over the line end: a quote never closed
        return _(
            'A quotation mark (") on line %(line)s opens a cell that runs on to line '
            "%(end)s: remove the quotation mark or close it."
        ) % {"line": line, "end": last_line}
    if any("\0" in cell for cell in cells):
        return _("This line contains a NUL character: save the file again as CSV.")
    if longest := max((len(cell) for cell in cells if len(cell) > MAX_CELL_CHARACTERS), default=0):
        return _("A cell of %(length)s characters: no column holds more than %(max)s.") % {
            "length": f"{longest:,}",
            "max": MAX_CELL_CHARACTERS,
        }
    return ""


def _duplicated_columns(headers: list[str], columns: list[str | None]) -> RowError | None:
    """Two headers meaning the same column (接种数 and count): which one counts is not
    for the portal to guess."""
    first: dict[str, str] = {}
    for header, column in zip(headers, columns, strict=True):
        if column is None:
            continue
        if column in first:
            return RowError(
                1,
                column,
                _("The columns %(first)s and %(second)s mean the same: keep one of them.")
                % {"first": first[column], "second": header.strip().lstrip("\ufeff")},
            )
        first[column] = header.strip().lstrip("\ufeff")
    return None


XLSX_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a zip archive


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of the first sheet's non-blank rows, like ``_rows``:
    a date cell reads as 2021-06-30, a whole number without ".0"."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    return (
        (number, cells)
        for number, row in enumerate(rows, start=1)
        if any(cells := [text(value) for value in row])
    )


Parsed = TypeVar("Parsed")


def _parse_cell(
    parse: Callable[[str], Parsed],
    values: dict[str | None, str],
    column: str,
    fail: Callable[[str, str], None],
) -> Parsed | None:
    """The column's value read by ``parse``, or None after reporting why it cannot be."""
    try:
        return parse(values.get(column) or "")
    except ValidationError as error:
        fail(column, error.messages[0])
        return None


# Which column of the file holds each part of a cell the rules may refuse.
COLUMN_OF_PART = {"site": "site_code", "committee": "committee_code", "date": "date"}


def _check_rows(
    scope: StaffScope,
    columns: list[str | None],
    rows: Iterator[tuple[int, list[str]]],
    checked: CheckedFile,
    file_headers: dict[str, str],
) -> None:
    """Parse each row, look its codes up, and ask ``TallyRules`` about the cell; every
    problem is reported at its line and column."""
    sites = {site.code: site for site in Site.objects.select_related("subdistrict")}
    committees = {c.code: c for c in Committee.objects.all()}
    rules = TallyRules(
        scope,
        enterable_site_ids=set(sites_enterable_by(scope).values_list("pk", flat=True)),
        calendar=CampaignCalendar.load(),
    )
    first_line: dict[TallyKey, int] = {}
    errors = checked.errors

    for line, cells in rows:
        values = dict(zip(columns, cells, strict=False))
        errors_before = len(errors)

        def fail(column: str, message: str, line: int = line) -> None:
            errors.append(RowError(line, file_headers.get(column, column), message))

        day = _parse_cell(parse_date, values, "date", fail)
        dose = _parse_cell(parse_dose, values, "dose", fail)
        count = _parse_cell(parse_required_count, values, "count", fail)
        site = sites.get(values.get("site_code") or "")
        if site is None:
            fail("site_code", _("Unknown site code %(code)s.") % {"code": values.get("site_code")})
        committee_code = values.get("committee_code") or ""
        committee = committees.get(committee_code) if committee_code else None
        unknown_committee = bool(committee_code) and committee is None
        if unknown_committee:
            fail("committee_code", _("Unknown committee code %(code)s.") % {"code": committee_code})
        for problem in rules.problems(site=site, committee=committee, day=day):
            if not (problem.part == "committee" and unknown_committee):
                fail(COLUMN_OF_PART[problem.part], problem.message)
        if errors_before < len(errors):
            continue
        if site is None or day is None or dose is None or count is None:
            continue  # reported above
        key = (day, site.pk, committee.pk if committee else None, dose)
        if key in first_line:
            fail(
                "",
                _("The same date, site, committee and dose as line %(line)s.")
                % {"line": first_line[key]},
            )
            continue
        first_line[key] = line
        checked.cells.append(
            TallyCell(
                date=day,
                site_id=site.pk,
                committee_id=key[2],
                dose_kind=dose,
                count=count,
            )
        )
    if not errors:
        stored = _classify(
            checked,
            first_line,
            {site.pk: site.code for site in sites.values()},
            {c.pk: c.code for c in committees.values()},
        )
        _warn_unusual(checked, stored, first_line, {site.pk: site for site in sites.values()})


def _classify(
    checked: CheckedFile,
    lines: dict[TallyKey, int],
    site_codes: dict[int, str],
    committee_codes: dict[int, str],
) -> dict[TallyKey, int]:
    """How many rows are new, would change a stored value, or are already there; the
    first rows of each kind are kept for the preview, changes with their old value.
    Returns the stored values of the file's cells."""
    if not checked.cells:
        return {}
    stored: dict[TallyKey, int] = {
        (day, site_id, committee_id, dose): count
        for day, site_id, committee_id, dose, count in DailyTally.objects.filter(
            date__in={cell.date for cell in checked.cells},
            site_id__in={cell.site_id for cell in checked.cells},
            dose_kind__in={cell.dose_kind for cell in checked.cells},
        ).values_list("date", "site_id", "committee_id", "dose_kind", "count")
    }
    shown = {"new": 0, "updated": 0}
    for cell in checked.cells:
        count = stored.get(cell.key)
        if count is None:
            kind = "new"
            checked.new += 1
        elif count == cell.count:
            checked.unchanged += 1
            continue
        else:
            kind = "updated"
            checked.updated += 1
        if shown[kind] < PREVIEW_ROWS:
            shown[kind] += 1
            checked.preview.append(
                {
                    "kind": kind,
                    "line": lines[cell.key],
                    "date": cell.date.isoformat(),
                    "site": site_codes[cell.site_id],
                    "committee": committee_codes.get(cell.committee_id or 0, ""),
                    "dose": cell.dose_kind,
                    "old": count,
                    "new": cell.count,
                }
            )
    return stored


def _warn_unusual(
    checked: CheckedFile,
    stored: dict[TallyKey, int],
    lines: dict[TallyKey, int],
    sites: dict[int, Site],
) -> None:
    """Site days the file makes far above the site's recent days (``sites.selectors.outliers``):
    warnings to look at before confirming, not errors. Each day's total is what it will
    be after the import: the stored cells the file leaves, plus the file's. One query."""
    if not checked.cells:
        return
    days = {(cell.date, cell.site_id) for cell in checked.cells}
    first, last = min(day for day, _site in days), max(day for day, _site in days)
    totals = site_day_totals(
        {site for _day, site in days}, start=first - timedelta(days=LOOKBACK_DAYS), end=last
    )
    first_line: dict[tuple[int, date], int] = {}
    for cell in checked.cells:
        day_totals = totals[cell.site_id]
        day_totals[cell.date] = (
            day_totals.get(cell.date, 0) - stored.get(cell.key, 0) + (cell.count or 0)
        )
        line = lines[cell.key]
        first_line[(cell.site_id, cell.date)] = min(
            line, first_line.get((cell.site_id, cell.date), line)
        )
    found = unusual_site_days(
        {(site, day): totals[site][day] for day, site in days}, sites=sites, recent=totals
    )
    checked.warnings = [
        {
            "line": first_line[(u.site_id, u.date)],
            "site": sites[u.site_id].code,
            "date": u.date.isoformat(),
            "message": u.reason(),
        }
        for u in found[:MAX_ERRORS_KEPT]
    ]


def _new_log(user: User, file_name: str, content: bytes) -> TallyImport:
    scope = staff_scope_for(user)
    return TallyImport(
        user=user,
        district_id=scope.district_id if scope else None,
        subdistrict_id=import_subdistrict_id(scope),
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )


def _already_imported(log: TallyImport) -> TallyImport | None:
    return (
        TallyImport.objects.filter(sha256=log.sha256, status=TallyImport.Status.IMPORTED)
        .exclude(pk=log.pk)
        .order_by("finished_at")
        .first()
    )


def _fill_counts(log: TallyImport, checked: CheckedFile) -> None:
    log.encoding = checked.encoding
    log.rows_total = len(checked.cells) + len({e.line for e in checked.errors if e.line > 1})
    log.rows_new, log.rows_updated, log.rows_unchanged = (
        checked.new,
        checked.updated,
        checked.unchanged,
    )
    log.rows_rejected = len({e.line for e in checked.errors if e.line > 1})
    log.errors = [e.as_dict() for e in checked.errors[:MAX_ERRORS_KEPT]]
    log.preview = checked.preview
    log.warnings = checked.warnings
