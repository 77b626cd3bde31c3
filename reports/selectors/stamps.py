"""Stamps of what the snapshot pages show: a short string that changes whenever a page's
figures may have changed, read in ONE query of small aggregates (never the ranking's rows).
The pages' ETags are made of it (reports/views/conditional.py); a reload answered 304
costs this query alone (the user and the scope come from the cache: campaign/session_user.py),
and not even that while the stamp is kept in the shared cache.

Kept for ``STAMP_SECONDS`` in one cache entry (the stamps of the days asked), forgotten by
``page_stamps_forget`` whenever something the stamp is made of changes: every save or
delete of its models (reports/receivers.py), the stale marks, a rebuild and its quality
flags, a verified figure (their services, which write in bulk and send no signal), at
once and again when the transaction commits. A page read racing the write may put the
old stamp back just after that commit; it, and a write that bypasses all of these, is
seen within ``STAMP_SECONDS``.

Hand-written SQL (one round trip instead of eight), the tables and columns named through
the models (sites.bulk; docs/decisions.md, "Hand-written SQL names tables and columns
through the models"); the same statement runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db import connection, transaction

from audit.models import SnapshotBuild
from campaign.models import BuildingCount, Campaign, Target
from reports.models import CommitteeDay, DistrictDay, QualityFlag, StaleDate
from sites.bulk import quoted_column, quoted_table

STAMP_SECONDS = 10
_STAMPS_KEY = "snapshot-page-stamps"
_STAMPS_KEPT = 64  # days asked (one entry each); more start the entry afresh


def snapshot_page_stamp(*, asked: date | None, today: date) -> tuple[date, str]:
    """``snapshot_page_stamp_read``, kept in the shared cache (see the module)."""
    kept = cache.get(_STAMPS_KEY)
    kept = kept if isinstance(kept, dict) else {}
    key = (asked, today)
    found = kept.get(key)
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], date):
        return found
    found = snapshot_page_stamp_read(asked=asked, today=today)
    if len(kept) >= _STAMPS_KEPT:
        kept = {}
    cache.set(_STAMPS_KEY, {**kept, key: found}, STAMP_SECONDS)
    return found


def page_stamps_forget() -> None:
    """The kept stamps are dropped now and again when the current transaction commits."""
    cache.delete(_STAMPS_KEY)
    transaction.on_commit(lambda: cache.delete(_STAMPS_KEY))


def snapshot_page_stamp_read(*, asked: date | None, today: date) -> tuple[date, str]:
    """The day a snapshot page shows (``asked``, else the latest day with snapshots up to
    ``today``, else ``today``, as the pages pick it) and the stamp of what they show on it:
    when its snapshot was computed (every build writes the districts' rows of its dates
    anew, target progress with them), the rebuilds waiting ("updating"), the latest build
    and its outcome, the quality flags (the marks), the golden-shield building counts, the
    campaigns (the threshold) and the targets."""
    day, at, stale, build = (
        quoted_column(CommitteeDay, "date"),
        quoted_column(DistrictDay, "computed_at"),
        quoted_column(StaleDate, "date"),
        SnapshotBuild,
    )
    flags, counts, targets = QualityFlag, BuildingCount, Target
    latest = f"{quoted_column(build, 'started_at')} DESC, {quoted_column(build, 'id')} DESC LIMIT 1"
    sql = f"""
        SELECT shown.day,
            (SELECT MAX({at}) FROM {quoted_table(DistrictDay)}
             WHERE {quoted_column(DistrictDay, "date")} = shown.day),
            (SELECT COUNT(*) FROM {quoted_table(StaleDate)} WHERE {stale} <= shown.day),
            (SELECT MAX({quoted_column(StaleDate, "marked_at")}) FROM {quoted_table(StaleDate)}
             WHERE {stale} <= shown.day),
            (SELECT {quoted_column(build, "id")} FROM {quoted_table(build)} ORDER BY {latest}),
            (SELECT {quoted_column(build, "status")} FROM {quoted_table(build)} ORDER BY {latest}),
            (SELECT COUNT(*) FROM {quoted_table(flags)}),
            (SELECT MAX({quoted_column(flags, "found_at")}) FROM {quoted_table(flags)}),
            (SELECT MAX({quoted_column(flags, "verified_at")}) FROM {quoted_table(flags)}),
            (SELECT COUNT(*) FROM {quoted_table(counts)}),
            (SELECT MAX({quoted_column(counts, "updated_at")}) FROM {quoted_table(counts)}),
            (SELECT MAX({quoted_column(Campaign, "updated_at")}) FROM {quoted_table(Campaign)}),
            (SELECT COUNT(*) FROM {quoted_table(targets)}),
            (SELECT MAX({quoted_column(targets, "updated_at")}) FROM {quoted_table(targets)})
        FROM (SELECT COALESCE(%s, (SELECT MAX({day}) FROM {quoted_table(CommitteeDay)}
                                   WHERE {day} <= %s), %s) AS day) shown
    """  # noqa: S608 - names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [asked, today, today])
        row = cursor.fetchone()
    shown = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0]))
    return shown, "|".join(str(value) for value in row)
