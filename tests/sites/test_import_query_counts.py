"""A file's check (the dry run) and its confirmed import run the same queries whatever the
number of its rows, sites, committees and days, with stored cells it changes, leaves
unchanged or adds: nothing is read or written once a row, a committee, a site or a day.
The larger pair takes PostgreSQL's COPY path (above ``COPY_FROM`` new rows). SQLite takes a
multi-row INSERT in batches its limit on parameters sets: a run of INSERTs into one table
counts as one statement."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sites.bulk import COPY_FROM
from sites.models import DailyTally, TallyImport
from sites.services.imports import tally_import_check, tally_import_run
from tests.factories import CommitteeFactory, SiteFactory, SubdistrictFactory
from tests.sites.conftest import TODAY

pytestmark = pytest.mark.django_db


def _file_of(user, *, sites: int, committees: int, days: int) -> tuple[bytes, int]:
    """A file of every committee at every site on ``days`` days of a new subdistrict: a
    tenth of its cells stored already, half of those with another count (0, not 1)."""
    subdistrict = SubdistrictFactory()
    site_list = [SiteFactory(subdistrict=subdistrict) for _ in range(sites)]
    committee_list = [CommitteeFactory(subdistrict=subdistrict) for _ in range(committees)]
    day_list = [TODAY - datetime.timedelta(days=n) for n in range(days)]
    cells = [(d, s, c) for d in day_list for s in site_list for c in committee_list]
    DailyTally.objects.bulk_create(
        DailyTally(date=d, site=s, committee=c, dose_kind="booster", count=n % 2, source="entry")
        for n, (d, s, c) in enumerate(cells[::10])
    )
    lines = ["接种日期,接种点编码,居委编码,剂次,接种数"]
    lines += [f"{d},{s.code},{c.code},加强针,1" for d, s, c in cells]
    return ("\n".join(lines) + "\n").encode(), len(cells)


def _statements(queries: CaptureQueriesContext) -> int:
    """How many statements ran, a run of INSERTs into the same table counted once."""
    count, previous = 0, ""
    for query in queries.captured_queries:
        sql = query["sql"]
        table = sql.split("(", 1)[0] if sql.startswith("INSERT INTO") else ""
        count += not (table and table == previous)
        previous = table
    return count


def _queries(user, content: bytes) -> tuple[int, int, TallyImport]:
    user = User.objects.get(pk=user.pk)  # nothing cached on it from the previous file
    with CaptureQueriesContext(connection) as check:
        log = tally_import_check(user=user, file_name="tallies.csv", content=content)
    assert log.status == TallyImport.Status.CHECKED, log.errors[:3]
    with CaptureQueriesContext(connection) as run:
        log = tally_import_run(log=TallyImport.objects.get(pk=log.pk))
    assert log.status == TallyImport.Status.IMPORTED, log.errors[:3]
    return _statements(check), _statements(run), log


@pytest.mark.parametrize(
    "sizes",
    [
        [(1, 3, 4), (5, 12, 7)],
        [(4, 15, 20), (6, 16, 20)],
    ],
    ids=["small files", "files above COPY_FROM"],
)
def test_a_file_runs_the_same_queries_whatever_its_size(administrator, monkeypatch, sizes):
    monkeypatch.setattr("reports.services.snapshots._request_rebuild", lambda start: None)
    counts = []
    for sites, committees, days in sizes:
        content, rows = _file_of(administrator, sites=sites, committees=committees, days=days)
        check, run, log = _queries(administrator, content)
        stored = rows // 10 + (rows % 10 > 0)
        assert (log.rows_total, log.rows_new) == (rows, rows - stored)
        assert log.rows_updated + log.rows_unchanged == stored
        assert log.rows_updated
        assert log.rows_unchanged
        counts.append((check, run, rows))
    (small_check, small_run, small_rows), (large_check, large_run, large_rows) = counts
    assert large_rows > small_rows
    if sizes[0][2] == 20:
        assert small_rows - small_rows // 10 > COPY_FROM
    assert (small_check, small_run) == (large_check, large_run)
