"""Stamps of what the snapshot pages show: a short string that changes whenever a page's
figures may have changed, read in ONE query of small aggregates (never the ranking's rows).
The pages' ETags are made of it (reports/views/conditional.py); a reload answered 304
costs this query, the user's and the scope's.

Hand-written SQL (one round trip instead of eight), the tables and columns named through
the models (docs/decisions.md, "Hand-written SQL names tables and columns through the
models"); the same statement runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import Model

from audit.models import SnapshotBuild
from campaign.models import BuildingCount, Campaign, Target
from reports.models import CommitteeDay, DistrictDay, QualityFlag, StaleDate


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Model], field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def snapshot_page_stamp(*, asked: date | None, today: date) -> tuple[date, str]:
    """The day a snapshot page shows (``asked``, else the latest day with snapshots up to
    ``today``, else ``today``, as the pages pick it) and the stamp of what they show on it:
    when its snapshot was computed (every build writes the districts' rows of its dates
    anew, target progress with them), the rebuilds waiting ("updating"), the latest build
    and its outcome, the quality flags (the marks), the golden-shield building counts, the
    campaigns (the threshold) and the targets."""
    day, at, stale, build = (
        _column(CommitteeDay, "date"),
        _column(DistrictDay, "computed_at"),
        _column(StaleDate, "date"),
        SnapshotBuild,
    )
    flags, counts, targets = QualityFlag, BuildingCount, Target
    sql = f"""
        SELECT shown.day,
            (SELECT MAX({at}) FROM {_table(DistrictDay)}
             WHERE {_column(DistrictDay, "date")} = shown.day),
            (SELECT COUNT(*) FROM {_table(StaleDate)} WHERE {stale} <= shown.day),
            (SELECT MAX({_column(StaleDate, "marked_at")}) FROM {_table(StaleDate)}
             WHERE {stale} <= shown.day),
            (SELECT {_column(build, "id")} FROM {_table(build)}
             ORDER BY {_column(build, "started_at")} DESC, {_column(build, "id")} DESC LIMIT 1),
            (SELECT {_column(build, "status")} FROM {_table(build)}
             ORDER BY {_column(build, "started_at")} DESC, {_column(build, "id")} DESC LIMIT 1),
            (SELECT COUNT(*) FROM {_table(flags)}),
            (SELECT MAX({_column(flags, "found_at")}) FROM {_table(flags)}),
            (SELECT MAX({_column(flags, "verified_at")}) FROM {_table(flags)}),
            (SELECT COUNT(*) FROM {_table(counts)}),
            (SELECT MAX({_column(counts, "updated_at")}) FROM {_table(counts)}),
            (SELECT MAX({_column(Campaign, "updated_at")}) FROM {_table(Campaign)}),
            (SELECT COUNT(*) FROM {_table(targets)}),
            (SELECT MAX({_column(targets, "updated_at")}) FROM {_table(targets)})
        FROM (SELECT COALESCE(%s, (SELECT MAX({day}) FROM {_table(CommitteeDay)}
                                   WHERE {day} <= %s), %s) AS day) shown
    """  # noqa: S608 - names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [asked, today, today])
        row = cursor.fetchone()
    shown = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0]))
    return shown, "|".join(str(value) for value in row)
