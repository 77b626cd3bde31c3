"""The timeline (大事记), against a campaign small enough to compute by hand.

万里街道 (eligible 1,000; one committee, 万里雅筑, of 1,000) from 04-20, "today" 05-05:

| date  | first | second | first cumulative | coverage |
|-------|-------|--------|------------------|----------|
| 04-20 | 100   |        | 100              | 10%      |
| 04-25 | 450   |        | 550              | 55% ≥ 50 |
| 04-27 | 100   |        | 650              | 65%      |
| 04-28 | 100   |        | 750              | 75% ≥ 70 |
| 04-29 | 60    | 200    | 810              | 81% ≥ 80; full course 20% |
| 05-03 |       | 350    | 810              | full course 55% ≥ 50 |

Record day: 04-25 (450 doses; 04-29 has 260). The 04-27–05-01 sprint of 400 doses has
100 + 100 + 260 = 460 on 04-29: reached on 04-29, 2 days early. 万里雅筑's April
full-course target of 500 ended on 04-30 with 200: 300 short; counted on from 04-20 it
reaches 550 on 05-03: reached 3 days late. Sites: the fixed site opened
04-20; a temporary one ran 04-25–04-30 (closed); a mobile team opens 05-10 (not yet).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaign.areas import Area
from reports.models import MilestoneNote
from reports.selectors.milestones import milestones
from reports.services.milestones import milestone_note_create
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2021, 5, 5)


def d(month, day):
    return datetime.date(2021, month, day)


@pytest.fixture
def campaign(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = TODAY
    campaign = CampaignFactory(start_date=d(4, 20))
    for area in (subdistrict, committee):
        area.eligible_population = 1000
        area.save()
    fixed = SiteFactory(
        subdistrict=subdistrict,
        code="WL-F",
        name="东片区固定接种点",
        active_from=d(4, 20),
        daily_capacity=1000,
    )
    SiteFactory(
        subdistrict=subdistrict,
        code="WL-T",
        name="家乐福临时接种点",
        kind="temporary",
        active_from=d(4, 25),
        active_to=d(4, 30),
    )
    SiteFactory(
        subdistrict=subdistrict,
        code="WL-M",
        name="移动疫苗接种车",
        kind="mobile",
        active_from=d(5, 10),
    )
    rows = [
        (d(4, 20), "first", 100),
        (d(4, 25), "first", 450),
        (d(4, 27), "first", 100),
        (d(4, 28), "first", 100),
        (d(4, 29), "first", 60),
        (d(4, 29), "second", 200),
        (d(5, 3), "second", 350),
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=on, site=fixed, committee=committee, dose_kind=k, count=n, source="import")
        for on, k, n in rows
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=subdistrict,
        name="三天冲刺任务",
        value=400,
        period_start=d(4, 27),
        period_end=d(5, 1),
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=None,
        committee=committee,
        name="万里雅筑4月全程任务",
        metric="full_course",
        value=500,
        period_start=d(4, 20),
        period_end=d(4, 30),
    )
    snapshots_rebuild(start=d(4, 20))
    return campaign


def timeline(area, on=TODAY):
    return [(e.date, e.kind, e.text, e.detail) for e in milestones(area, on=on)]


def test_timeline_of_the_subdistrict_as_computed_by_hand(campaign, subdistrict):
    # Newest day first; within a day in the order things happen.
    assert timeline(Area(subdistrict)) == [
        (d(5, 3), "coverage", "全程接种率首次达到 50%", ""),
        (d(5, 3), "target_late", "万里雅筑4月全程任务完成", "晚 3 天 · 万里雅筑居民区"),
        (d(4, 30), "site_closed", "家乐福临时接种点停止接种（最后一天）", "临时接种点"),
        (
            d(4, 30),
            "target_missed",
            "万里雅筑4月全程任务到期未完成",
            "完成 200 / 500，差 300 · 万里雅筑居民区",
        ),
        (d(4, 29), "coverage", "第一剂接种率首次达到 80%", ""),
        (d(4, 29), "target_reached", "三天冲刺任务完成", "提前 2 天"),
        (d(4, 28), "coverage", "第一剂接种率首次达到 70%", ""),
        (d(4, 25), "site_opened", "家乐福临时接种点开始接种", "临时接种点"),
        (d(4, 25), "coverage", "第一剂接种率首次达到 50%", ""),
        (d(4, 25), "record", "单日接种最高纪录：450 剂", ""),
        (d(4, 20), "site_opened", "东片区固定接种点开始接种", "固定接种点"),
    ]


def test_timeline_up_to_an_earlier_day_shows_only_what_had_happened(campaign, subdistrict):
    assert timeline(Area(subdistrict), on=d(4, 28)) == [
        (d(4, 28), "coverage", "第一剂接种率首次达到 70%", ""),
        (d(4, 25), "site_opened", "家乐福临时接种点开始接种", "临时接种点"),
        (d(4, 25), "coverage", "第一剂接种率首次达到 50%", ""),
        (d(4, 25), "record", "单日接种最高纪录：450 剂", ""),
        (d(4, 20), "site_opened", "东片区固定接种点开始接种", "固定接种点"),
    ]


def test_a_target_reached_on_its_last_day_says_so(campaign, subdistrict):
    TargetFactory(
        campaign=campaign,
        subdistrict=subdistrict,
        name="4月29日任务",
        value=260,
        period_start=d(4, 29),
        period_end=d(4, 29),
    )
    snapshots_rebuild(start=d(4, 29))
    events = [e for e in timeline(Area(subdistrict)) if e[2] == "4月29日任务完成"]
    assert events == [(d(4, 29), "target_reached", "4月29日任务完成", "最后一天完成")]


def test_district_timeline_adds_up_its_subdistricts(campaign, district, subdistrict, committee):
    sister = SubdistrictFactory(district=district, name="长风新村街道")
    SiteFactory(subdistrict=sister, name="长风接种点", active_from=d(4, 22))
    SiteFactory(subdistrict=SubdistrictFactory(name="远方街道"), name="远方接种点")
    events = timeline(Area(district))
    names = [text for _day, kind, text, _detail in events if kind.startswith("site")]
    assert names == [
        "家乐福临时接种点停止接种（最后一天）",
        "家乐福临时接种点开始接种",
        "长风接种点开始接种",
        "东片区固定接种点开始接种",
    ]
    # The district's own figures: 810 of 500,000 people is far below 50%.
    assert not [e for e in events if e[1] == "coverage"]
    assert (d(4, 25), "record", "单日接种最高纪录：450 剂", "") in events
    reached = [e for e in events if e[1] == "target_reached"]
    assert reached == [(d(4, 29), "target_reached", "三天冲刺任务完成", "提前 2 天 · 万里街道")]


def test_timeline_takes_six_queries_however_much_there_is(
    campaign, subdistrict, committee, django_assert_num_queries
):
    area = Area(subdistrict)
    # Sites, targets, the record, coverage, notes, and the committee targets reached late.
    with django_assert_num_queries(6):
        milestones(area, on=TODAY)
    for n in range(20):
        other = CommitteeFactory(subdistrict=subdistrict, code=f"N{n}")
        SiteFactory(subdistrict=subdistrict, code=f"S{n}", active_from=d(4, 21))
        TargetFactory(
            campaign=campaign,
            subdistrict=None,
            committee=other,
            name=f"任务{n}",
            value=1,
            period_start=d(4, 20),
            period_end=d(4, 21),
        )
    snapshots_rebuild(start=d(4, 20))
    with django_assert_num_queries(6):
        assert len(milestones(area, on=TODAY)) > 40


# Notes ---------------------------------------------------------------------------------------


def test_staff_add_a_note_to_their_timeline(client, campaign, subdistrict, subdistrict_staff):
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("reports:milestone_note_add"),
        {
            "area": f"subdistrict:{subdistrict.pk}",
            "date": "2021-04-26",
            "text": "  区领导走访\n东片区  ",
        },
    )
    assert response.status_code == 302
    note = MilestoneNote.objects.get()
    assert (note.subdistrict, note.date, note.text, note.written_by) == (
        subdistrict,
        d(4, 26),
        "区领导走访 东片区",
        subdistrict_staff,
    )
    html = client.get(response["Location"]).content.decode()
    assert "备注已加入大事记" in html
    assert "区领导走访 东片区" in html
    assert "记录人：clerk" in html  # who wrote the note, not "clerk 记"
    assert html.index("区领导走访") < html.index("家乐福临时接种点开始接种")  # newest first


@pytest.mark.parametrize(
    ("day", "text", "message"),
    [
        ("2021-04-26", "   ", "这个字段是必填项。"),
        ("2021-04-26", "长" * 201, "不超过 200 字符"),
        ("2021-05-06", "明天的活动", "2021-05-06 是未来的日期"),
        ("2021-04-19", "开始之前", "2021-04-19 不在接种工作期间内"),
        ("不是日期", "活动", "输入一个有效的日期。"),
    ],
)
def test_bad_notes_are_refused_in_chinese_and_nothing_is_written(
    client, campaign, subdistrict, subdistrict_staff, day, text, message
):
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("reports:milestone_note_add"),
        {"area": f"subdistrict:{subdistrict.pk}", "date": day, "text": text},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MilestoneNote.objects.exists()


def test_note_text_is_shown_as_text(client, campaign, subdistrict, subdistrict_staff):
    milestone_note_create(
        user=subdistrict_staff,
        area=Area(subdistrict),
        on=d(4, 26),
        text="<script>alert(1)</script>",
    )
    client.force_login(subdistrict_staff)
    html = client.get(reverse("reports:milestones")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("user_fixture", ["district_leader", "committee_staff"])
def test_leaders_and_committee_staff_add_no_notes(
    client, campaign, district, subdistrict, request, user_fixture
):
    user = request.getfixturevalue(user_fixture)
    with pytest.raises(PermissionDenied):
        milestone_note_create(user=user, area=Area(subdistrict), on=d(4, 26), text="x")
    client.force_login(user)
    for area in (f"subdistrict:{subdistrict.pk}", f"district:{district.pk}"):
        response = client.post(
            reverse("reports:milestone_note_add"), {"area": area, "date": "2021-04-26", "text": "x"}
        )
        assert response.status_code == 404
    assert "添加备注" not in client.get(reverse("reports:milestones")).content.decode()
    assert not MilestoneNote.objects.exists()


def test_staff_add_no_notes_elsewhere(client, campaign, subdistrict_staff):
    far = SubdistrictFactory(district=DistrictFactory(name="二七区"), name="五里堡街道")
    with pytest.raises(PermissionDenied):
        milestone_note_create(user=subdistrict_staff, area=Area(far), on=d(4, 26), text="x")
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("reports:milestone_note_add"),
        {"area": f"subdistrict:{far.pk}", "date": "2021-04-26", "text": "x"},
    )
    assert response.status_code == 404
    assert not MilestoneNote.objects.exists()


def test_administrators_note_a_district_and_its_timeline_shows_it(
    client, campaign, district, subdistrict, administrator, subdistrict_staff
):
    milestone_note_create(user=administrator, area=Area(district), on=d(4, 22), text="全区动员会")
    milestone_note_create(
        user=subdistrict_staff, area=Area(subdistrict), on=d(4, 23), text="街道走访"
    )
    district_notes = [e for e in milestones(Area(district), on=TODAY) if e.kind == "note"]
    assert [(e.text, e.detail) for e in district_notes] == [
        ("街道走访", "万里街道"),
        ("全区动员会", ""),
    ]
    street = [e.text for e in milestones(Area(subdistrict), on=TODAY) if e.kind == "note"]
    assert street == ["街道走访"]
    with pytest.raises(ValidationError):
        milestone_note_create(user=administrator, area=Area(district), on=d(4, 22), text="")


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("2021-05-06", "2021-05-06 是未来的日期，不能录入。"),
        ("2021-04-19", "2021-04-19 不在接种工作期间内。"),
    ],
)
def test_the_note_page_refuses_a_future_day_or_one_outside_the_campaign(
    client, campaign, subdistrict, subdistrict_staff, on, message
):
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("reports:milestone_note_add"),
        {"area": f"subdistrict:{subdistrict.pk}", "date": on, "text": "走访"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MilestoneNote.objects.exists()


def test_leader_reads_the_timeline_of_the_district(client, campaign, district, district_leader):
    client.force_login(district_leader)
    html = client.get(reverse("reports:milestones")).content.decode()
    assert "大事记" in html
    assert "普陀区" in html
    assert "三天冲刺任务完成" in html
    assert "提前 2 天" in html


def test_demo_adds_its_timeline_notes_once(subdistrict, committee):
    from demo.seed import DEMO_TIMELINE_NOTES, DemoSeedResult, _ensure_timeline_notes, _Ids
    from tests.factories import UserFactory

    ids = _Ids(districts={}, subdistricts={"310107-WL": subdistrict.pk}, committees={}, sites={})
    result = DemoSeedResult(scale="demo")
    _ensure_timeline_notes(ids, result)  # no demo clerk yet: nothing
    assert not MilestoneNote.objects.exists()
    clerk = UserFactory(username="wanli_staff")
    _ensure_timeline_notes(ids, result)
    _ensure_timeline_notes(ids, result)
    notes = list(MilestoneNote.objects.values_list("date", "text", "written_by", "subdistrict"))
    assert notes == [
        (day, text, clerk.pk, subdistrict.pk) for _code, day, text in DEMO_TIMELINE_NOTES
    ]
    assert notes[2] == (d(3, 25), "60岁及以上人群开始登记预约", clerk.pk, subdistrict.pk)
    assert (result.created["timeline notes"], result.existing["timeline notes"]) == (5, 5)


def test_a_note_outlives_its_authors_account(campaign, subdistrict, subdistrict_staff):
    area = Area(subdistrict)
    milestone_note_create(user=subdistrict_staff, area=area, on=d(4, 26), text="区领导走访")
    subdistrict_staff.delete()
    notes = [(e.text, e.author) for e in milestones(area, on=TODAY) if e.kind == "note"]
    assert notes == [("区领导走访", "")]


def test_timeline_page_query_count_does_not_grow(
    client, campaign, subdistrict, subdistrict_staff, django_assert_max_num_queries
):
    client.force_login(subdistrict_staff)
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("reports:milestones"))
    for n in range(20):
        SiteFactory(subdistrict=subdistrict, code=f"S{n}", active_from=d(4, 21))
        milestone_note_create(
            user=subdistrict_staff, area=Area(subdistrict), on=d(4, 21), text=f"{n}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("reports:milestones"))


def test_a_future_day_shows_the_timeline_up_to_today(
    client, campaign, subdistrict, subdistrict_staff
):
    """The mobile team opens 05-10: asked up to 05-20 on 05-05, it is not on the timeline."""
    assert "移动疫苗接种车" not in str(milestones(Area(subdistrict), on=d(5, 20)))
    client.force_login(subdistrict_staff)
    html = client.get(
        reverse("reports:milestones"),
        {"area": f"subdistrict:{subdistrict.pk}", "date": "2021-05-20"},
    ).content.decode()
    assert "移动疫苗接种车" not in html
    assert '<input type="date" name="date" value="2021-05-05">' in html


def test_a_rejected_note_shows_the_timeline_of_the_day_it_was_showing(
    client, campaign, subdistrict, subdistrict_staff
):
    client.force_login(subdistrict_staff)
    response = client.post(
        reverse("reports:milestone_note_add"),
        {
            "area": f"subdistrict:{subdistrict.pk}",
            "date": "2021-04-19",
            "text": "开始之前",
            "timeline_date": "2021-04-26",
        },
    )
    html = response.content.decode()
    assert "2021-04-19 不在接种工作期间内" in html
    assert '<input type="date" name="date" value="2021-04-26">' in html
    assert "家乐福临时接种点开始接种" in html  # 04-25
    assert "家乐福临时接种点停止接种" not in html  # its last day, 04-30, is after 04-26
