"""The one way a daily tally is written: ``record_tallies``.

The browser entry grid and the file import both call it, so validation, history and the
rebuild of the ranking cannot drift apart. One call is one transaction: every cell is
saved, or nothing is. The changed dates are marked stale in that transaction and their
rebuild is requested after commit (``sites.signals.tallies_changed``, which the reports app
receives: ``reports.services.snapshots``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.access import staff_scope_for
from campaign.calendar import CampaignCalendar
from campaign.clock import today
from campaign.models import Committee, StaffScope
from campaign.users import display_name
from sites.bulk import COPY_FROM, add_rows, insert_rows, quoted_column, quoted_table
from sites.models import DailyTally, Site
from sites.rules import TallyRules, count_problem
from sites.selectors.outliers import Unusual, unusual_cells
from sites.selectors.tallies import sites_enterable_by
from sites.signals import tallies_changed

TallyKey = tuple[
    date, int, int | None, str
]  # date, site id, committee id (None: non-resident), dose


@dataclass(frozen=True)
class TallyCell:
    """One value to store. ``seen_version`` is the version the user started from (None when
    the cell was empty); with ``check_versions`` a newer stored value is a conflict.
    ``count`` None clears a stored cell back to "not reported" (the grid's emptied cell)."""

    date: date
    site_id: int
    committee_id: int | None
    dose_kind: str
    count: int | None
    seen_version: int | None = None

    @property
    def key(self) -> TallyKey:
        return (self.date, self.site_id, self.committee_id, self.dose_kind)


@dataclass(frozen=True)
class Conflict:
    """Somebody else saved this cell after the user loaded it."""

    key: TallyKey
    mine: int | None  # None: the user cleared the cell
    theirs: int | None  # None: the other person cleared it
    changed_by: str
    changed_at: datetime


@dataclass
class TallySaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cleared: int = 0
    dates: set[date] = field(default_factory=set)


class TallyConflicts(ValidationError):
    """Nothing was saved: ``conflicts`` are the cells somebody else changed meanwhile."""

    def __init__(self, conflicts: Sequence[Conflict]):
        self.conflicts = list(conflicts)
        super().__init__(
            _("%(count)s cells were changed by somebody else at the same time; nothing was saved.")
            % {"count": len(self.conflicts)},
            code="conflict",
        )


class UnusualFigures(ValidationError):
    """Figures far above the site's recent days (``sites.selectors.outliers``): saved once
    the user confirms them, with the same confirmation as a day above capacity."""

    def __init__(
        self, unusual: Sequence[Unusual], message: str | None = None, code: str = "unusual"
    ):
        self.unusual = list(unusual)
        super().__init__(
            message
            or _(
                "These figures are far above this site's usual days. Check them for a "
                "typing error (an extra zero?). Nothing was saved yet."
            ),
            code=code,
        )


class CapacityExceeded(UnusualFigures):
    """A day's total above the site's capacity: allowed once the user confirms it. Carries
    the unusual figures too, so one confirmation answers both questions."""

    def __init__(self, site: Site, on: date, total: int, unusual: Sequence[Unusual] = ()):
        self.site, self.date, self.total = site, on, total
        super().__init__(
            unusual,
            _(
                "The day's total would be %(over_capacity)s doses, above the site's capacity "
                "of %(capacity)s. Nothing was saved yet."
            )
            % {"over_capacity": total, "capacity": site.daily_capacity},
            code="over_capacity",
        )


@transaction.atomic
def record_tallies(
    *,
    user: User,
    cells: Sequence[TallyCell],
    source: str = DailyTally.Source.ENTRY,
    reason: str = "",
    check_versions: bool = True,
    capacity_confirmed: bool = False,
) -> TallySaveResult:
    """Set each cell's count (set, never add), keeping who, when, old → new and why.

    Refused with ``ValidationError`` (a day the rules of ``sites.rules`` refuse, a
    correction without a reason, a duplicate cell), ``PermissionDenied`` (a site or
    committee the rules refuse: the grid never offers one), ``TallyConflicts`` (a cell
    changed by somebody else since the user loaded it), ``CapacityExceeded`` or
    ``UnusualFigures`` (a day above capacity, figures far above the site's recent days:
    not yet confirmed), all ``ValidationError`` too.
    """
    scope = staff_scope_for(user)
    if scope is None:
        raise PermissionDenied(_("You may not enter tallies for this site."))
    reason = reason.strip()
    sites, enterable = _cell_sites(scope, {cell.site_id for cell in cells})
    messages: list[str | ValidationError] = list(_rule_problems(scope, sites, enterable, cells))
    existing = _existing_rows(cells, whole_days=not capacity_confirmed)

    messages += _count_problems(cells)
    duplicates = _duplicate_keys(cells)
    messages += [_("The same cell appears twice: %(cell)s.") % {"cell": key} for key in duplicates]

    result = TallySaveResult()
    conflicts: list[Conflict] = []
    to_create: list[NewTally] = []
    to_update: list[tuple[DailyTally, int]] = []
    to_clear: list[DailyTally] = []
    for cell in cells:
        row = existing.get(cell.key)
        stored_version = row.version if row else None
        if (row.count if row else None) == cell.count:  # also: clearing an empty cell
            result.unchanged += 1
        elif check_versions and stored_version != cell.seen_version:
            conflicts.append(_conflict(cell, row))
        elif row is None:
            to_create.append(_new_row(cell, user=user, source=source))
        elif cell.count is None:
            to_clear.append(row)
        else:
            to_update.append((row, cell.count))

    corrected_past = {row.date for row, _count in to_update if row.date < today()}
    corrected_past |= {row.date for row in to_clear if row.date < today()}
    if corrected_past and not reason:
        messages.append(
            ValidationError(
                _("Changing a value of an earlier day needs a reason."), code="reason_needed"
            )
        )
    if messages:
        raise ValidationError(messages)
    if conflicts:
        raise TallyConflicts(conflicts)
    if not capacity_confirmed:
        counted = [cell for cell in cells if cell.count is not None]
        unusual = unusual_cells(counted, sites=sites)
        _check_capacity(sites, existing, cells, unusual)
        if unusual:
            raise UnusualFigures(unusual)

    now = timezone.now()
    history: list[tuple[DailyTally | NewTally, int | None, str]] = []
    updated = _update_checked(
        to_update, source=source, user=user, now=now, check_versions=check_versions
    )
    for row, count in updated:
        previous = row.count
        row.count, row.version, row.source, row.entered_by, row.updated_at = (
            count,
            row.version + 1,
            source,
            user,
            now,
        )
        history.append((row, previous, "~"))
    cleared = _delete_checked(to_clear, check_versions=check_versions)
    # A removal's history row keeps the last stored state; its old value is that count.
    history += [(row, row.count, "-") for row in cleared]
    result.dates = {row.date for row, _previous, _kind in history} | {r.date for r in to_create}
    try:
        with transaction.atomic():
            if _copied(to_create):
                # The changes' history rows first, then the new rows', as on the other path.
                _write_history(history, user=user, reason=reason, when=now)
                history = []
                _copy_new(to_create, now=now, user=user, source=source, reason=reason)
            else:
                _insert_new(to_create, now=now)
                history += [(row, None, "+") for row in to_create]
    except IntegrityError as error:  # a new cell inserted concurrently by somebody else
        raise TallyConflicts(_conflicts_after_insert_race(to_create)) from error
    _write_history(history, user=user, reason=reason, when=now)

    result.created, result.updated, result.cleared = len(to_create), len(to_update), len(cleared)
    # In this transaction: the reports app marks these days' snapshots stale.
    tallies_changed.send(sender=DailyTally, dates=result.dates)
    return result


def record_nobody_came(
    *, user: User, site: Site, on: date, committee: Committee | None
) -> TallySaveResult:
    """ "Nobody came": one explicit 0, so the day reads "reported 0", not "not reported"."""
    if DailyTally.objects.filter(site=site, date=on).exists():
        raise ValidationError(
            _("This day already has tallies; change them in the grid."), code="already_reported"
        )
    cell = TallyCell(
        date=on,
        site_id=site.pk,
        committee_id=committee.pk if committee else None,
        dose_kind=DailyTally.DoseKind.FIRST,
        count=0,
    )
    return record_tallies(user=user, cells=[cell])


def _count_problems(cells: Sequence[TallyCell]) -> list[str]:
    """Every cell's count within the rules' bounds, whoever built it (the grid and the
    import parse text with the same bound; this keeps callers that pass numbers to it too)."""
    return [
        problem
        for cell in cells
        if cell.count is not None and (problem := count_problem(cell.count))
    ]


UPDATE_BATCH = 300  # cells per UPDATE: three parameters each, under SQLite's 999


def _delete_checked(rows: Sequence[DailyTally], *, check_versions: bool) -> list[DailyTally]:
    """Delete stored cells, each only if nobody changed it since it was read (the version
    in the DELETE's WHERE, as for updates); the rows deleted. A cell changed meanwhile is a
    conflict; one somebody else already deleted needs nothing more."""
    deleted: set[int] = set()
    table = quoted_table(DailyTally)
    pk, version = quoted_column(DailyTally, "id"), quoted_column(DailyTally, "version")
    for start in range(0, len(rows), UPDATE_BATCH):
        batch = rows[start : start + UPDATE_BATCH]
        matches = " OR ".join([f"({pk} = %s AND {version} = %s)"] * len(batch))
        sql = f"DELETE FROM {table} WHERE {matches} RETURNING {pk}"  # noqa: S608
        params = [value for row in batch for value in (row.pk, row.version)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            deleted |= {row_id for (row_id,) in cursor.fetchall()}
    missed = [row for row in rows if row.pk not in deleted]
    if missed and check_versions:
        still_there = set(
            DailyTally.objects.filter(pk__in=[row.pk for row in missed]).values_list(
                "pk", flat=True
            )
        )
        changed = [row for row in missed if row.pk in still_there]
        if changed:
            raise TallyConflicts([_conflict_after_race(row, None) for row in changed])
    return [row for row in rows if row.pk in deleted]


def _update_checked(
    rows: Sequence[tuple[DailyTally, int]],
    *,
    source: str,
    user: User,
    now: datetime,
    check_versions: bool,
) -> list[tuple[DailyTally, int]]:
    """Set stored cells, each only if nobody changed it since it was read (the version is
    checked in the UPDATE itself, which also works where SELECT FOR UPDATE does not): one
    statement per UPDATE_BATCH cells, however many cells a grid or a file has.

    Returns each row as it was just before this change (for the history's old value) with
    its new count. An import sets values whatever they were, so it re-reads the cells
    changed meanwhile and sets them again; the entry grid instead reports the conflict.
    """
    done: list[tuple[DailyTally, int]] = []
    pending = list(rows)
    while pending:
        changed: set[int] = set()
        for start in range(0, len(pending), UPDATE_BATCH):
            batch = pending[start : start + UPDATE_BATCH]
            changed |= _update_batch(batch, source=source, user=user, now=now)
        done += [(row, count) for row, count in pending if row.pk in changed]
        missed = [(row, count) for row, count in pending if row.pk not in changed]
        if missed and check_versions:
            raise TallyConflicts([_conflict_after_race(row, count) for row, count in missed])
        fresh = DailyTally.objects.in_bulk([row.pk for row, _count in missed])
        pending = [(fresh[row.pk], count) for row, count in missed if row.pk in fresh]
    return done


def _update_batch(
    rows: Sequence[tuple[DailyTally, int]], *, source: str, user: User, now: datetime
) -> set[int]:
    """One UPDATE ... FROM (VALUES ...) for these cells; the ids it changed."""
    table = quoted_table(DailyTally)
    pk, count, version, source_, entered_by, updated_at = (
        quoted_column(DailyTally, name)
        for name in ("id", "count", "version", "source", "entered_by", "updated_at")
    )
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    sql = (
        f"WITH new (tally_id, new_count, seen_version) AS (VALUES {values}) "  # noqa: S608
        f"UPDATE {table} SET {count} = new.new_count, {version} = {table}.{version} + 1, "
        f"{source_} = %s, {entered_by} = %s, {updated_at} = %s FROM new "
        f"WHERE {table}.{pk} = new.tally_id AND {table}.{version} = new.seen_version "
        f"RETURNING {table}.{pk}"
    )
    params: list[int | str | datetime | None] = [
        value for row, count in rows for value in (row.pk, count, row.version)
    ]
    stamp = DailyTally._meta.get_field("updated_at").get_db_prep_value(now, connection)
    params += [source, user.pk, stamp]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row_id for (row_id,) in cursor.fetchall()}


def _cell_sites(scope: StaffScope, site_ids: set[int]) -> tuple[dict[int, Site], set[int]]:
    """The cells' sites and the ids of those the user may enter for: one query, and one
    more for the others only when there are some (for the rules to name them)."""
    sites = {
        site.pk: site
        for site in sites_enterable_by(scope).select_related("subdistrict").filter(pk__in=site_ids)
    }
    enterable = set(sites)
    if len(sites) != len(site_ids):
        others = Site.objects.select_related("subdistrict").in_bulk(site_ids - enterable)
        if len(others) != len(site_ids - enterable):
            raise PermissionDenied(_("You may not enter tallies for this site."))
        sites.update(others)
    return sites, enterable


def _rule_problems(
    scope: StaffScope, sites: dict[int, Site], enterable: set[int], cells: Sequence[TallyCell]
) -> list[str]:
    """The messages of every cell the rules refuse, each message once. A site or committee
    refused is ``PermissionDenied``: the grid offers only those the user may enter."""
    committee_ids = {cell.committee_id for cell in cells} - {None}
    committees = Committee.objects.in_bulk(committee_ids)
    if len(committees) != len(committee_ids):
        raise PermissionDenied(_("You may not enter tallies for this committee."))
    rules = TallyRules(scope, enterable_site_ids=enterable, calendar=CampaignCalendar.load())
    messages: dict[str, None] = {}  # in order, each once
    # The dose kinds of a committee share its answer: each (site, committee, day) once.
    for site_id, committee_id, day in dict.fromkeys(
        (cell.site_id, cell.committee_id, cell.date) for cell in cells
    ):
        for problem in rules.problems(
            site=sites[site_id], committee=committees.get(committee_id), day=day
        ):
            if problem.part != "date":
                raise PermissionDenied(problem.message)
            messages[problem.message] = None
    return list(messages)


def _existing_rows(
    cells: Sequence[TallyCell], *, whole_days: bool = True
) -> dict[TallyKey, DailyTally]:
    """The stored rows of every (date, site) the cells touch, in one query: all of them
    when the day's total is checked against capacity, else only the cells' dose kinds."""
    if not cells:
        return {}
    pairs = {(cell.date, cell.site_id) for cell in cells}
    rows = DailyTally.objects.filter(
        date__in={day for day, _site in pairs}, site_id__in={site for _day, site in pairs}
    )
    if not whole_days:
        rows = rows.filter(dose_kind__in={cell.dose_kind for cell in cells})
    rows = rows.select_related("entered_by")
    return {
        (row.date, row.site_id, row.committee_id, row.dose_kind): row
        for row in rows
        if (row.date, row.site_id) in pairs
    }


def _duplicate_keys(cells: Sequence[TallyCell]) -> list[TallyKey]:
    seen: set[TallyKey] = set()
    duplicates = []
    for cell in cells:
        if cell.key in seen:
            duplicates.append(cell.key)
        seen.add(cell.key)
    return duplicates


def _check_capacity(
    sites: dict[int, Site],
    existing: dict[TallyKey, DailyTally],
    cells: Sequence[TallyCell],
    unusual: Sequence[Unusual] = (),
) -> None:
    totals: dict[tuple[date, int], int] = defaultdict(int)
    values = {key: row.count for key, row in existing.items()}
    values.update({cell.key: cell.count or 0 for cell in cells})  # a cleared cell adds 0
    for (day, site_id, _committee, _dose), count in values.items():
        totals[(day, site_id)] += count
    for (day, site_id), total in sorted(totals.items()):
        site = sites.get(site_id)
        if site is not None and total > site.daily_capacity:
            raise CapacityExceeded(site, day, total, unusual)


@dataclass(slots=True)
class NewTally:
    """A tally about to be inserted: the columns of DailyTally, without a model instance
    per row (a 100,000-row import would spend seconds building them)."""

    date: date
    site_id: int
    committee_id: int | None
    dose_kind: str
    count: int
    source: str
    entered_by_id: int
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None


def _new_row(cell: TallyCell, *, user: User, source: str) -> NewTally:
    return NewTally(
        date=cell.date,
        site_id=cell.site_id,
        committee_id=cell.committee_id,
        dose_kind=cell.dose_kind,
        count=cell.count or 0,  # never None: clearing an empty cell leaves it unchanged
        source=source,
        entered_by_id=user.pk,
    )


def _conflict(cell: TallyCell, row: DailyTally | None) -> Conflict:
    return Conflict(
        key=cell.key,
        mine=cell.count,
        theirs=row.count if row else None,
        changed_by=_user_name(row.entered_by) if row else "",
        changed_at=row.updated_at if row else timezone.now(),
    )


def _conflicts_after_insert_race(rows: list[NewTally]) -> list[Conflict]:
    """The new cells somebody else filled meanwhile, read back in one query."""
    now_stored = _existing_rows(
        [TallyCell(r.date, r.site_id, r.committee_id, r.dose_kind, r.count) for r in rows],
        whole_days=False,
    )
    return [
        Conflict(
            key=key,
            mine=row.count,
            theirs=now_stored[key].count,
            changed_by=_user_name(now_stored[key].entered_by),
            changed_at=now_stored[key].updated_at,
        )
        for row in rows
        if (key := (row.date, row.site_id, row.committee_id, row.dose_kind)) in now_stored
    ]


def _conflict_after_race(row: DailyTally, mine: int | None) -> Conflict:
    current = (
        DailyTally.objects.select_related("entered_by")
        .filter(
            date=row.date,
            site_id=row.site_id,
            # None looks up the non-residents' row (IS NULL), which the stubs do not allow
            committee_id=row.committee_id,  # type: ignore[misc]
            dose_kind=row.dose_kind,
        )
        .first()
    )
    return Conflict(
        key=(row.date, row.site_id, row.committee_id, row.dose_kind),
        mine=mine,
        theirs=current.count if current else row.count,
        changed_by=_user_name(current.entered_by) if current else "",
        changed_at=current.updated_at if current else timezone.now(),
    )


def _user_name(user: User | None) -> str:
    if user is None:
        return _("file import")
    return display_name(user)


def _write_history(
    rows: Sequence[tuple[DailyTally | NewTally, int | None, str]],
    *,
    user: User,
    reason: str,
    when: datetime,
) -> None:
    """One history row per changed cell, with the old value beside the new one."""
    history = DailyTally.history.model
    tracked = [field.attname for field in history.tracked_fields]
    extra = [
        "history_date",
        "history_user_id",
        "history_change_reason",
        "history_type",
        "previous_count",
    ]
    values = [
        (*(getattr(row, name) for name in tracked), when, user.pk, reason, kind, previous)
        for row, previous, kind in rows
    ]
    columns = [history._meta.get_field(name).column for name in tracked + extra]
    add_rows(history, columns, values)


TALLY_COLUMNS = (
    "date",
    "site_id",
    "committee_id",
    "dose_kind",
    "count",
    "source",
    "entered_by_id",
    "version",
    "created_at",
    "updated_at",
)


def _insert_new(rows: list[NewTally], *, now: datetime) -> None:
    """Insert new tallies and give them their ids (for the history rows)."""
    for row in rows:
        row.created_at = row.updated_at = now
    values = [tuple(getattr(row, name) for name in TALLY_COLUMNS) for row in rows]
    ids = insert_rows(DailyTally, list(TALLY_COLUMNS), values, returning="id")
    for row, pk in zip(rows, ids, strict=True):
        row.id = pk


def _copied(rows: list[NewTally]) -> bool:
    """Whether new rows go in by COPY (``_copy_new``): many of them, on PostgreSQL."""
    return connection.vendor == "postgresql" and len(rows) > COPY_FROM


# What a file's new cell brings; the other columns are the same for every row of a write.
CELL_COLUMNS = ("date", "site_id", "committee_id", "dose_kind", "count")


def _copy_new(rows: list[NewTally], *, now: datetime, user: User, source: str, reason: str) -> None:
    """Many new tallies and their history rows ("+"), on PostgreSQL: the cells are copied
    into a temporary table (COPY), then one statement inserts the tallies and, from the ids
    it returns, their history rows, in the cells' order. No id comes back to Python and no
    history row is written out by it: most of a 100,000-row import's writing time before.
    The rows and history rows are the ones ``_insert_new`` and ``_write_history`` store."""
    table, history = quoted_table(DailyTally), DailyTally.history.model
    quote = connection.ops.quote_name
    cells = quote("tally_new_cells")
    position = quote("position")
    cell_columns = [quoted_column(DailyTally, name) for name in CELL_COLUMNS]
    tracked = [field.attname for field in history.tracked_fields]
    # The tallies' own columns, as the INSERT ... RETURNING hands them to the history rows.
    returned = [quoted_column(DailyTally, name) for name in tracked]
    history_columns = [
        quoted_column(history, name)
        for name in [
            *tracked,
            "history_date",
            "history_user_id",
            "history_change_reason",
            "history_type",
            "previous_count",
        ]
    ]
    stamp = DailyTally._meta.get_field("updated_at").get_db_prep_value(now, connection)
    # The columns every new row of this write shares (as ``_new_row`` and ``_insert_new``
    # set them), in TALLY_COLUMNS' order.
    shared = {
        "source": source,
        "entered_by_id": user.pk,
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {cells} ON COMMIT DROP AS "  # noqa: S608 - names from the model
            f"SELECT {', '.join(cell_columns)}, 0 AS {position} FROM {table} WITH NO DATA"
        )
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(
            (row.date, row.site_id, row.committee_id, row.dose_kind, row.count, n)
            for n, row in enumerate(rows)
        )
        buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY {cells} FROM STDIN WITH (FORMAT csv)",  # an empty field is NULL
            buffer,
        )
        inserted = [quoted_column(DailyTally, name) for name in TALLY_COLUMNS]
        selected = [
            f"{cells}.{quoted_column(DailyTally, name)}" if name in CELL_COLUMNS else "%s"
            for name in TALLY_COLUMNS
        ]
        params = [shared[name] for name in TALLY_COLUMNS if name not in CELL_COLUMNS]
        id_column = quoted_column(DailyTally, "id")
        cursor.execute(
            f"WITH {quote('new')} AS ("  # noqa: S608 - names from the models
            f"INSERT INTO {table} ({', '.join(inserted)}) "
            f"SELECT {', '.join(selected)} FROM {cells} ORDER BY {cells}.{position} "
            f"RETURNING {', '.join(returned)}) "
            f"INSERT INTO {quoted_table(history)} ({', '.join(history_columns)}) "
            f"SELECT {', '.join(returned)}, %s, %s, %s, %s, NULL FROM {quote('new')} "
            f"ORDER BY {id_column}",
            [*params, stamp, user.pk, reason, "+"],
        )
        cursor.execute(f"DROP TABLE {cells}")
