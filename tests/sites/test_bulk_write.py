"""A large write (an import) takes PostgreSQL's COPY path: every row and its history row
must come out exactly as a small write would store them."""

import datetime

import pytest

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
