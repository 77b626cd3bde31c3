"""record_tallies: the one write path of a tally. A refused call writes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sites.forms import TallyGridForm
from sites.models import DailyTally
from sites.services.tallies import (
    CapacityExceeded,
    TallyCell,
    TallyConflicts,
    record_nobody_came,
    record_tallies,
)
from tests.factories import (
    CommitteeFactory,
    SiteFactory,
    StaffScopeFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.sites.conftest import TODAY, YESTERDAY

pytestmark = pytest.mark.django_db


def cell(site, committee, count, *, dose="first", on=TODAY, version=None):
    return TallyCell(
        date=on,
        site_id=site.pk,
        committee_id=committee.pk if committee else None,
        dose_kind=dose,
        count=count,
        seen_version=version,
    )


def stored():
    return {(t.committee_id, t.dose_kind): (t.count, t.version) for t in DailyTally.objects.all()}


def test_a_grid_is_saved_with_who_and_source(site, committee, subdistrict_staff):
    result = record_tallies(
        user=subdistrict_staff,
        cells=[
            cell(site, committee, 12),
            cell(site, committee, 3, dose="second"),
            cell(site, None, 40),
        ],
    )
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert stored() == {
        (committee.pk, "first"): (12, 1),
        (committee.pk, "second"): (3, 1),
        (None, "first"): (40, 1),
    }
    tally = DailyTally.objects.get(committee=committee, dose_kind="first")
    assert tally.entered_by == subdistrict_staff
    assert tally.source == DailyTally.Source.ENTRY


def test_saving_the_same_values_again_changes_nothing(site, committee, subdistrict_staff):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12)])
    result = record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12, version=1)])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert DailyTally.history.count() == 1


def test_a_change_sets_the_value_bumps_the_version_and_keeps_history(
    site, committee, subdistrict_staff
):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12)])
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 15, version=1)])
    assert stored() == {(committee.pk, "first"): (15, 2)}
    latest = DailyTally.history.latest("history_date")
    assert (latest.previous_count, latest.count, latest.history_user) == (
        12,
        15,
        subdistrict_staff,
    )


def test_one_history_row_per_changed_cell_none_for_unchanged(
    site, committee, neighbour, subdistrict_staff
):
    record_tallies(
        user=subdistrict_staff, cells=[cell(site, committee, 12), cell(site, neighbour, 7)]
    )
    record_tallies(
        user=subdistrict_staff,
        cells=[cell(site, committee, 13, version=1), cell(site, neighbour, 7, version=1)],
    )
    assert DailyTally.history.filter(committee=committee).count() == 2
    assert DailyTally.history.filter(committee=neighbour).count() == 1


def test_correcting_an_earlier_day_needs_a_reason_and_keeps_it(site, committee, subdistrict_staff):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12, on=YESTERDAY)])
    with pytest.raises(ValidationError) as refused:
        record_tallies(
            user=subdistrict_staff, cells=[cell(site, committee, 21, on=YESTERDAY, version=1)]
        )
    assert "需要填写原因" in refused.value.messages[0]
    assert stored() == {(committee.pk, "first"): (12, 1)}

    record_tallies(
        user=subdistrict_staff,
        cells=[cell(site, committee, 21, on=YESTERDAY, version=1)],
        reason="  台账核对，漏记 9 人  ",
    )
    change = DailyTally.history.latest("history_date")
    assert (change.previous_count, change.count) == (12, 21)
    assert change.history_change_reason == "台账核对，漏记 9 人"


def test_a_reason_as_long_as_the_grid_allows_is_kept_whole(site, committee, subdistrict_staff):
    """The grid takes 200 characters of reason; the history keeps all of them."""
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12, on=YESTERDAY)])
    reason = ("街道台账与居委名册逐户核对后发现漏记，" * 20)[
        : TallyGridForm.base_fields["reason"].max_length
    ]
    record_tallies(
        user=subdistrict_staff,
        cells=[cell(site, committee, 21, on=YESTERDAY, version=1)],
        reason=reason,
    )
    assert DailyTally.history.latest("history_date").history_change_reason == reason


def test_a_late_first_report_of_yesterday_needs_no_reason(site, committee, subdistrict_staff):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12, on=YESTERDAY)])
    assert stored() == {(committee.pk, "first"): (12, 1)}


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (TODAY + datetime.timedelta(days=1), "是未来的日期"),
        (datetime.date(2021, 6, 6), "当天未开放"),
    ],
)
def test_future_days_and_closed_sites_are_refused(site, committee, subdistrict_staff, on, message):
    with pytest.raises(ValidationError) as refused:
        record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12, on=on)])
    assert any(message in text for text in refused.value.messages)
    assert not DailyTally.objects.exists()


def test_days_outside_the_campaign_are_refused(subdistrict, committee, subdistrict_staff):
    open_site = SiteFactory(subdistrict=subdistrict, active_from=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationError) as refused:
        record_tallies(
            user=subdistrict_staff,
            cells=[cell(open_site, committee, 12, on=datetime.date(2021, 1, 7))],
        )
    assert "不在接种工作期间" in refused.value.messages[0]


def test_one_bad_cell_saves_nothing_of_the_grid(site, committee, subdistrict_staff):
    with pytest.raises(ValidationError):
        record_tallies(
            user=subdistrict_staff,
            cells=[cell(site, committee, 12), cell(site, committee, 5, on=TODAY.replace(day=1))],
        )
    assert not DailyTally.objects.exists()
    assert not DailyTally.history.exists()


def test_locked_days_are_for_administrators_only_and_their_edit_is_recorded(
    site, committee, subdistrict, subdistrict_staff, administrator
):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12, on=YESTERDAY)])
    subdistrict.lock_date = TODAY
    subdistrict.save()
    with pytest.raises(ValidationError) as refused:
        record_tallies(
            user=subdistrict_staff,
            cells=[cell(site, committee, 13, on=YESTERDAY, version=1)],
            reason="补录",
        )
    assert "已锁定" in refused.value.messages[0]

    record_tallies(
        user=administrator,
        cells=[cell(site, committee, 13, on=YESTERDAY, version=1)],
        reason="区里核对后更正",
    )
    change = DailyTally.history.latest("history_date")
    assert (change.history_user, change.previous_count, change.count) == (administrator, 12, 13)


def test_over_capacity_is_a_warning_the_user_confirms(site, committee, subdistrict_staff):
    over = [cell(site, committee, 250), cell(site, None, 60)]
    with pytest.raises(CapacityExceeded) as warning:
        record_tallies(user=subdistrict_staff, cells=over)
    assert warning.value.total == 310
    assert not DailyTally.objects.exists()
    record_tallies(user=subdistrict_staff, cells=over, capacity_confirmed=True)
    assert DailyTally.objects.count() == 2


def test_second_save_from_the_same_version_is_a_conflict_naming_who_and_both_values(
    site, committee, subdistrict_staff, administrator
):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12)])
    record_tallies(user=administrator, cells=[cell(site, committee, 14, version=1)])
    with pytest.raises(TallyConflicts) as clash:
        record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 16, version=1)])
    conflict = clash.value.conflicts[0]
    assert (conflict.mine, conflict.theirs) == (16, 14)
    assert conflict.changed_by == "admin"
    assert stored() == {(committee.pk, "first"): (14, 2)}


def test_a_cell_first_filled_by_somebody_else_is_a_conflict(site, committee, subdistrict_staff):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12)])
    with pytest.raises(TallyConflicts):
        record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 20, version=None)])


def test_import_sets_values_without_versions_and_is_recorded_as_import(
    site, committee, subdistrict_staff
):
    record_tallies(user=subdistrict_staff, cells=[cell(site, committee, 12)])
    record_tallies(
        user=subdistrict_staff,
        cells=[cell(site, committee, 30)],
        check_versions=False,
        source=DailyTally.Source.IMPORT,
    )
    assert stored() == {(committee.pk, "first"): (30, 2)}
    assert DailyTally.history.latest("history_date").source == DailyTally.Source.IMPORT


def test_committee_staff_enter_only_their_own_committee(
    site, committee, neighbour, committee_staff
):
    record_tallies(user=committee_staff, cells=[cell(site, committee, 5)])
    for other in (neighbour, None):
        with pytest.raises(PermissionDenied):
            record_tallies(user=committee_staff, cells=[cell(site, other, 5)])
    assert stored() == {(committee.pk, "first"): (5, 1)}


def test_leaders_and_other_subdistricts_cannot_write(site, district_leader):
    other_clerk = UserFactory()
    StaffScopeFactory(user=other_clerk, role="subdistrict_staff", subdistrict=SubdistrictFactory())
    for user in [district_leader, other_clerk]:
        with pytest.raises(PermissionDenied):
            record_tallies(user=user, cells=[cell(site, None, 5)])
    assert not DailyTally.objects.exists()


def test_a_committee_of_another_subdistrict_is_refused(site, subdistrict_staff):
    elsewhere = CommitteeFactory()
    with pytest.raises(PermissionDenied):
        record_tallies(user=subdistrict_staff, cells=[cell(site, elsewhere, 5)])


def test_nobody_came_is_one_explicit_zero(site, subdistrict_staff):
    record_nobody_came(user=subdistrict_staff, site=site, on=TODAY, committee=None)
    assert stored() == {(None, "first"): (0, 1)}
    with pytest.raises(ValidationError):
        record_nobody_came(user=subdistrict_staff, site=site, on=TODAY, committee=None)
