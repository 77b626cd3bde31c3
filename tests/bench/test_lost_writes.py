"""make bench's evening rush counts a lost write for every cell whose stored count is not
the last value a save acknowledged."""

import datetime

import pytest

from bench.load import _lost_writes
from sites.models import DailyTally
from tests.factories import CommitteeFactory, SiteFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2021, 6, 30)


def test_cells_that_differ_are_missing_or_unsent_are_lost(subdistrict):
    site = SiteFactory(subdistrict=subdistrict)
    a, b = CommitteeFactory(subdistrict=subdistrict), CommitteeFactory(subdistrict=subdistrict)
    stored = [
        (a, "first", 3),
        (a, "second", 1),
        (b, "first", 2),
        (None, "first", 9),
        (b, "booster", 5),
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=DAY, site=site, committee=c, dose_kind=k, count=n, source="entry")
        for c, k, n in stored
    )
    prefix = f"{site.pk}|{DAY}|count"
    result = {
        "sent": {
            f"{prefix}-{a.pk}-first": 3,  # stored as sent
            f"{prefix}-{a.pk}-second": 2,  # stored 1: lost
            f"{prefix}-{b.pk}-first": 2,  # stored as sent
            f"{prefix}-nr-first": 4,  # its last save got no answer and may have stored 9
            f"{prefix}-{b.pk}-second": 1,  # never stored: lost
        },
        "unanswered": {f"{prefix}-nr-first": 9},
    }
    # b's booster was stored although no client sent it: lost as well.
    assert _lost_writes(DAY, result, [site.pk]) == (3, 5)
