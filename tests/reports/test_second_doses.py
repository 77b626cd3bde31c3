"""The second-dose due list against hand-computed figures, window edges included.

Campaign interval 21–56 days, shown on T = 2021-06-30, so:
- first doses on or before 05-04 (57+ days ago) are overdue,
- 05-05 (56 days ago, the last allowed day) to 06-09 (21 days ago) are due now,
- 06-10 (20 days ago) becomes due tomorrow, 07-01; 06-16 on 07-07.
"""

import datetime

import pytest
from django.utils import timezone

from campaign.models import Committee
from reports.models import CommitteeDay
from reports.selectors.ranking import (
    SecondDoseWindow,
    second_dose_committees,
    second_dose_schedule,
    second_dose_subdistricts,
    second_dose_weeks,
)
from tests.factories import CommitteeFactory, SubdistrictFactory

pytestmark = pytest.mark.django_db

T = datetime.date(2021, 6, 30)
WINDOW = SecondDoseWindow(on=T, min_days=21, max_days=56)


def d(month, day):
    return datetime.date(2021, month, day)


def snapshots(committee, *, first, second, end=T):
    """CommitteeDay rows for every day from 05-01 to ``end``, with the running totals
    of the given daily first and second doses ({date: count})."""
    rows, first_total, second_total = [], 0, 0
    day = d(5, 1)
    while day <= end:
        first_today, second_today = first.get(day, 0), second.get(day, 0)
        first_total += first_today
        second_total += second_today
        rows.append(
            CommitteeDay(
                committee=committee,
                subdistrict_id=committee.subdistrict_id,
                district_id=committee.subdistrict.district_id,
                date=day,
                first_doses=first_today,
                second_doses=second_today,
                first_cumulative=first_total,
                second_cumulative=second_total,
                full_course_cumulative=second_total,
                rank_in_subdistrict=1,
                rank_in_district=1,
                computed_at=timezone.now(),
            )
        )
        day += datetime.timedelta(days=1)
    CommitteeDay.objects.bulk_create(rows)


FIRST = {d(5, 4): 10, d(5, 5): 20, d(6, 9): 30, d(6, 10): 40, d(6, 16): 5, d(6, 30): 7}


def one(committee, window=WINDOW):
    return second_dose_committees(Committee.objects.filter(pk=committee.pk), window).get()


def test_window_edges_overdue_due_now_and_next_week(committee):
    # 8 second doses went, first in first out, to 8 of the 10 people of 05-04.
    snapshots(committee, first=FIRST, second={d(6, 1): 8})
    row = one(committee)
    assert row.first_given == 112
    assert row.second_given == 8
    assert row.overdue == 2  # 10 of 05-04 (57 days ago) − 8
    assert row.due_now == 50  # 20 of 05-05 (56 days ago) + 30 of 06-09 (21 days ago)
    assert row.due_next_7_days == 45  # 40 of 06-10 + 5 of 06-16


def test_overdue_never_below_zero_and_the_rest_reduces_due_now(committee):
    snapshots(committee, first=FIRST, second={d(6, 1): 15})
    row = one(committee)
    assert row.overdue == 0
    assert row.due_now == 45  # 10 + 20 + 30 − 15
    assert row.due_next_7_days == 45


def test_second_doses_beyond_the_due_reduce_the_coming_days(committee):
    snapshots(committee, first=FIRST, second={d(6, 1): 70})
    row = one(committee)
    assert (row.overdue, row.due_now) == (0, 0)
    assert row.due_next_7_days == 35  # 40 + 5 − (70 − 60)
    schedule = second_dose_schedule(committee, WINDOW, days=14)
    assert schedule[0].day == d(7, 1)
    assert schedule[0].due == 30  # 40 of 06-10, 10 of them had their second dose already
    assert schedule[6].due == 5  # 07-07 from 06-16


def test_one_day_more_moves_people_across_the_edges(committee):
    snapshots(committee, first=FIRST, second={d(6, 1): 8}, end=d(7, 1))
    row = one(committee, SecondDoseWindow(on=d(7, 1), min_days=21, max_days=56))
    assert row.overdue == 22  # 05-05 is now 57 days ago: 10 + 20 − 8
    assert row.due_now == 70  # 06-09 and 06-10
    assert row.due_next_7_days == 5


def test_schedule_by_day_and_week_marks_days_not_known_yet(committee):
    snapshots(committee, first=FIRST, second={d(6, 1): 8})
    schedule = second_dose_schedule(committee, WINDOW)
    assert len(schedule) == 56
    by_day = {row.day: row.due for row in schedule}
    assert by_day[d(7, 1)] == 40
    assert by_day[d(7, 2)] == 0
    assert by_day[d(7, 7)] == 5
    assert by_day[d(7, 21)] == 7  # first doses of 06-30, today
    assert by_day[d(7, 22)] is None  # first doses of 07-01: not given yet
    weeks = second_dose_weeks(schedule)
    assert [(w.start, w.end) for w in weeks[:2]] == [(d(7, 1), d(7, 7)), (d(7, 8), d(7, 14))]
    assert [w.due for w in weeks] == [45, 0, 7, 0, 0, 0, 0, 0]
    assert [w.complete for w in weeks] == [True, True, True, False, False, False, False, False]


def test_a_short_minimum_interval_counts_only_first_doses_given(committee):
    snapshots(committee, first=FIRST, second={})
    window = SecondDoseWindow(on=T, min_days=3, max_days=10)
    row = one(committee, window)
    # 06-20 and earlier: overdue (112 − 7 of 06-30); 06-21..06-27: due now (none given)
    assert (row.overdue, row.due_now) == (105, 0)
    assert row.due_next_7_days == 7  # 06-30's first doses, due 07-03; later days unknown
    schedule = second_dose_schedule(committee, window, days=7)
    assert [r.due for r in schedule] == [0, 0, 7, None, None, None, None]


def test_a_committee_without_snapshots_owes_nothing(committee):
    row = one(committee)
    assert (row.first_given, row.overdue, row.due_now, row.due_next_7_days) == (0, 0, 0, 0)


def test_subdistrict_totals_add_up_each_committees_estimate(committee, subdistrict):
    """A committee's surplus of second doses does not lower another's overdue."""
    snapshots(committee, first=FIRST, second={d(6, 1): 8})
    ahead = CommitteeFactory(subdistrict=subdistrict, code="WL-02")
    snapshots(ahead, first={d(5, 1): 5}, second={d(6, 1): 9})
    far = CommitteeFactory(subdistrict=SubdistrictFactory(district=subdistrict.district))
    snapshots(far, first={d(5, 1): 3}, second={})
    rows = second_dose_subdistricts(Committee.objects.all(), WINDOW)
    assert [(r["subdistrict"], r["total_overdue"], r["total_due_now"]) for r in rows] == [
        (far.subdistrict_id, 3, 0),  # most overdue first
        (subdistrict.pk, 2, 50),  # 2 + 0, not 2 − 4 of 中浩云's surplus
    ]
    assert rows[1]["committee_count"] == 2
    by_due = second_dose_subdistricts(Committee.objects.all(), WINDOW, sort="due_now")
    assert by_due[0]["subdistrict"] == subdistrict.pk


def test_committees_sorted_by_overdue(committee, subdistrict):
    snapshots(committee, first=FIRST, second={d(6, 1): 8})
    late = CommitteeFactory(subdistrict=subdistrict, code="WL-02", name="中浩云居民区")
    snapshots(late, first={d(5, 1): 30}, second={d(6, 1): 4})
    rows = list(second_dose_committees(Committee.objects.all(), WINDOW))
    assert [(r.name, r.overdue) for r in rows] == [("中浩云居民区", 26), ("万里雅筑居民区", 2)]
    by_code = list(second_dose_committees(Committee.objects.all(), WINDOW, sort="code"))
    assert by_code[0].name == "万里雅筑居民区"


def test_due_list_is_one_query_however_many_committees(
    committee, subdistrict, django_assert_num_queries
):
    for n in range(12):
        snapshots(CommitteeFactory(subdistrict=subdistrict, code=f"N{n}"), first=FIRST, second={})
    with django_assert_num_queries(1):
        assert len(list(second_dose_committees(Committee.objects.all(), WINDOW))) == 13
    with django_assert_num_queries(1):
        assert second_dose_subdistricts(Committee.objects.all(), WINDOW)[0]["total_due_now"] == (
            12 * 50
        )
    with django_assert_num_queries(1):
        second_dose_schedule(committee, WINDOW)


def test_differences_never_below_zero_when_a_row_is_missing(committee):
    """Rows only to 06-20: on 07-20 the row of T + 7 − min (07-06) is missing, which
    made "next 7 days" negative; it is floored at 0."""
    snapshots(committee, first=FIRST, second={}, end=d(6, 20))
    row = one(committee, SecondDoseWindow(on=d(7, 20), min_days=21, max_days=56))
    assert row.due_now >= 0
    assert row.due_next_7_days == 0
