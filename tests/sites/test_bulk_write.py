"""A large write (an import) takes PostgreSQL's COPY path: every row and its history row
must come out exactly as a small write would store them."""

import datetime

import pytest
from django.db import connection

from sites.bulk import COPY_FROM
from sites.models import DailyTally
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CommitteeFactory, SiteFactory

pytestmark = pytest.mark.django_db


# A reason with quotes and a comma, and none at all: an empty text must stay empty, not NULL.
@pytest.mark.parametrize("reason", ['文件导入："二七区, 第2批".csv', ""])
def test_a_large_write_stores_every_row_and_its_history(
    subdistrict, administrator, campaign_today, monkeypatch, reason
):
    monkeypatch.setattr("reports.services.snapshots._request_rebuild", lambda start: None)
    site = SiteFactory(subdistrict=subdistrict, active_from=datetime.date(2021, 6, 1))
    committees = [CommitteeFactory(subdistrict=subdistrict) for _ in range(30)]
    days = [datetime.date(2021, 6, 1) + datetime.timedelta(days=n) for n in range(20)]
    cells = [
        TallyCell(
            date=day, site_id=site.pk, committee_id=committee.pk, dose_kind=dose, count=(n * 7) % 50
        )
        for n, (day, committee, dose) in enumerate(
            (d, c, k) for d in days for c in committees for k in ("first", "second", "booster")
        )
    ]
    # Non-residents: no committee, a NULL in the COPY.
    cells.append(
        TallyCell(date=days[0], site_id=site.pk, committee_id=None, dose_kind="first", count=3)
    )
    assert len(cells) > COPY_FROM
    result = record_tallies(
        user=administrator,
        cells=cells,
        source="import",
        reason=reason,
        check_versions=False,
        capacity_confirmed=True,
    )
    assert result.created == len(cells)
    stored = {
        (t.date, t.committee_id, t.dose_kind): (t.count, t.version, t.source)
        for t in DailyTally.objects.all()
    }
    assert stored == {(c.date, c.committee_id, c.dose_kind): (c.count, 1, "import") for c in cells}
    history = list(
        DailyTally.history.values_list(
            "id", "count", "history_type", "history_change_reason", "history_user", "previous_count"
        )
    )
    assert len(history) == len(cells)
    counts = dict(DailyTally.objects.values_list("id", "count"))
    assert sorted((pk, count) for pk, count, *_ in history) == sorted(counts.items())
    assert {row[2:] for row in history} == {("+", reason, administrator.pk, None)}
    # Each history row is its tally as stored, stamped with the write's time, in the
    # cells' order: the tallies' ids and the history rows' follow the file's lines.
    tallies = {t.pk: t for t in DailyTally.objects.all()}
    tracked = [field.attname for field in DailyTally.history.model.tracked_fields]
    # SQLite's bulk_create stamps the tallies itself, a moment after the history's time.
    if connection.vendor != "postgresql":
        tracked = [name for name in tracked if name not in ("created_at", "updated_at")]
    rows = list(DailyTally.history.order_by("history_id"))
    for row in rows:
        tally = tallies[row.id]
        assert {name: getattr(row, name) for name in tracked} == {
            name: getattr(tally, name) for name in tracked
        }
        if connection.vendor == "postgresql":
            assert row.history_date == tally.created_at == tally.updated_at
        assert tally.entered_by_id == administrator.pk
    by_key = {(t.date, t.committee_id, t.dose_kind): t.pk for t in tallies.values()}
    in_cell_order = [by_key[(c.date, c.committee_id, c.dose_kind)] for c in cells]
    assert in_cell_order == sorted(in_cell_order)
    assert [row.id for row in rows] == in_cell_order


def test_a_large_write_of_changes_and_new_cells_keeps_the_changes_history_first(
    subdistrict, administrator, campaign_today, monkeypatch
):
    """A second file: some cells changed, some unchanged, many new. The history lists the
    changes (with their old value) before the new cells, as a small write does."""
    monkeypatch.setattr("reports.services.snapshots._request_rebuild", lambda start: None)
    site = SiteFactory(subdistrict=subdistrict, active_from=datetime.date(2021, 6, 1))
    committees = [CommitteeFactory(subdistrict=subdistrict) for _ in range(40)]
    days = [datetime.date(2021, 6, 1) + datetime.timedelta(days=n) for n in range(20)]
    keys = [(d, c.pk, k) for d in days for c in committees for k in ("first", "second")]

    def write(cells, reason):
        return record_tallies(
            user=administrator,
            cells=[TallyCell(d, site.pk, c, k, n) for (d, c, k), n in cells],
            source="import",
            reason=reason,
            check_versions=False,
            capacity_confirmed=True,
        )

    write([(key, 5) for key in keys[:10]], "first")
    second = [(key, 6 if n < 4 else 5) for n, key in enumerate(keys[:10])]
    second += [(key, 7) for key in keys[10:]]
    assert len(second) > COPY_FROM
    result = write(second, "second")
    assert (result.created, result.updated, result.unchanged) == (len(keys) - 10, 4, 6)
    history = list(
        DailyTally.history.filter(history_change_reason="second")
        .order_by("history_id")
        .values_list("history_type", "previous_count", "count", "version")
    )
    assert history[:4] == [("~", 5, 6, 2)] * 4
    assert history[4:] == [("+", None, 7, 1)] * (len(keys) - 10)
    assert DailyTally.objects.count() == len(keys)
