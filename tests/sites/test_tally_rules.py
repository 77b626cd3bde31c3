"""The rules of a tally are the same in the entry grid and in a file: each bad cell sent
both ways gets the same message, in the user's language, and nothing is written."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sites.models import DailyTally, TallyImport
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CommitteeFactory, SiteFactory, SubdistrictFactory
from tests.sites.conftest import TODAY, YESTERDAY
from tests.sites.test_imports import csv_file, import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(site, committee, neighbour, subdistrict, subdistrict_staff, committee_staff):
    return SimpleNamespace(
        site=site,
        committee=committee,
        neighbour=neighbour,
        subdistrict=subdistrict,
        clerk=subdistrict_staff,
        committee_clerk=committee_staff,
    )


def future_day(s):
    return s.clerk, s.site, s.committee, TODAY + datetime.timedelta(days=1)


def outside_the_campaign(s):
    open_site = SiteFactory(
        subdistrict=s.subdistrict, code="WL-F-1", active_from=datetime.date(2020, 1, 1)
    )
    return s.clerk, open_site, s.committee, datetime.date(2021, 1, 7)


def site_not_open(s):
    return s.clerk, s.site, s.committee, datetime.date(2021, 6, 6)


def locked_day(s):
    s.subdistrict.lock_date = TODAY
    s.subdistrict.save()
    return s.clerk, s.site, s.committee, YESTERDAY


def site_outside_the_scope(s):
    far = SiteFactory(
        subdistrict=SubdistrictFactory(), code="FAR-1", active_from=datetime.date(2021, 1, 8)
    )
    return s.clerk, far, None, YESTERDAY


def committee_of_another_subdistrict(s):
    return s.clerk, s.site, CommitteeFactory(code="FAR-C"), YESTERDAY


def another_committee_for_committee_staff(s):
    return s.committee_clerk, s.site, s.neighbour, YESTERDAY


def non_residents_for_committee_staff(s):
    return s.committee_clerk, s.site, None, YESTERDAY


# The column as the file's (Chinese) header names it.
BAD_CELLS = [
    (future_day, "接种日期", "2021-07-01 是未来的日期，不能录入。"),
    (outside_the_campaign, "接种日期", "2021-01-07 不在接种工作期间内。"),
    (site_not_open, "接种日期", "上海西站临时接种点 在 2021-06-06 当天未开放。"),
    (locked_day, "接种日期", "已锁定"),
    (site_outside_the_scope, "接种点编码", "接种点 FAR-1 不在您的权限范围内。"),
    (committee_of_another_subdistrict, "居委编码", "FAR-C 不属于接种点所在街道"),
    (another_committee_for_committee_staff, "居委编码", "310107-WL-02 不在您的权限范围内"),
    (non_residents_for_committee_staff, "居委编码", "– 不在您的权限范围内"),
]


def grid_refusal(user, site, committee, day) -> list[str]:
    cell = TallyCell(day, site.pk, committee.pk if committee else None, "first", 5)
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        record_tallies(user=user, cells=[cell], reason="补录")
    error = refused.value
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def file_refusal(user, site, committee, day) -> list[tuple[str, str]]:
    row = f"{day.isoformat()},{site.code},{committee.code if committee else ''},第一剂,5"
    log = import_file(user, csv_file(row))
    assert log.status == TallyImport.Status.REFUSED
    return [(error["column"], error["message"]) for error in log.errors]


@pytest.mark.parametrize(
    ("bad_cell", "column", "message"), BAD_CELLS, ids=[case[0].__name__ for case in BAD_CELLS]
)
def test_a_bad_cell_gets_the_same_message_from_the_grid_and_from_a_file(
    scene, bad_cell, column, message
):
    user, site, committee, day = bad_cell(scene)
    from_grid = grid_refusal(user, site, committee, day)
    from_file = file_refusal(user, site, committee, day)
    assert from_file == [(column, from_grid[0])]
    assert from_grid == [from_file[0][1]]
    assert message in from_grid[0]
    assert not DailyTally.objects.exists()


DAY_CASES = [case for case in BAD_CELLS if case[1] == "date"]


@pytest.mark.parametrize(
    ("bad_cell", "column", "message"), DAY_CASES, ids=[case[0].__name__ for case in DAY_CASES]
)
def test_the_entry_page_shows_the_message_of_a_refused_day(
    client, scene, bad_cell, column, message
):
    user, site, committee, day = bad_cell(scene)
    client.force_login(user)
    response = client.post(
        reverse("sites:entry", args=[site.pk, day.isoformat()]),
        {f"count-{committee.pk}-first": "5", "reason": "补录"},
    )
    assert response.status_code == 200
    assert file_refusal(user, site, committee, day)[0][1] in response.content.decode()
    assert not DailyTally.objects.exists()


def test_the_grid_gives_one_message_per_day_however_many_cells(scene):
    cells = [
        TallyCell(TODAY + datetime.timedelta(days=1), scene.site.pk, committee, dose, 5)
        for committee in (scene.committee.pk, scene.neighbour.pk, None)
        for dose in ("first", "second")
    ]
    with pytest.raises(ValidationError) as refused:
        record_tallies(user=scene.clerk, cells=cells)
    assert refused.value.messages == ["2021-07-01 是未来的日期，不能录入。"]


def test_each_row_of_a_file_gets_its_own_answer_when_rows_share_a_day_or_a_committee(
    scene, administrator
):
    """The rules answer a day, or a committee for a subdistrict, once per file: a row with
    the same day or committee but another site still gets the answer of its own site."""
    elsewhere = SubdistrictFactory(code="310107-FAR")
    far_site = SiteFactory(
        subdistrict=elsewhere, code="FAR-1", active_from=datetime.date(2021, 6, 1)
    )
    far_committee = CommitteeFactory(subdistrict=elsewhere, code="FAR-C")
    rows = [
        f"{YESTERDAY.isoformat()},{scene.site.code},{scene.committee.code},第一剂,5",
        f"{YESTERDAY.isoformat()},{far_site.code},{scene.committee.code},第一剂,5",
        "2021-06-06," + f"{scene.site.code},{scene.committee.code},第一剂,5",
        "2021-06-06," + f"{far_site.code},{far_committee.code},第一剂,5",
        f"{YESTERDAY.isoformat()},{far_site.code},{far_committee.code},第二剂,5",
        f"{(TODAY + datetime.timedelta(days=1)).isoformat()},{far_site.code},{far_committee.code},"
        "第一剂,5",
    ]
    log = import_file(administrator, csv_file(*rows))
    assert log.status == TallyImport.Status.REFUSED
    assert [(error["line"], error["column"]) for error in log.errors] == [
        (3, "居委编码"),
        (4, "接种日期"),
        (7, "接种日期"),
    ]
    assert "FAR-C" not in log.errors[0]["message"]
    assert scene.committee.code in log.errors[0]["message"]
    assert "2021-07-01" in log.errors[2]["message"]
