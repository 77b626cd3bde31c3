"""Targets by urgency: at risk first (the projection passes the period's end, "今天截止，
还差 N" as the bulletin says it), then on track, no data, reached and missed; each with a
colour and a word."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse

from campaign.models import Target
from reports.selectors.targets import Urgency, target_urgency, targets_by_urgency
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory, TargetFactory

DAY = datetime.date(2021, 4, 29)
TOMORROW = DAY + datetime.timedelta(days=1)


def progress(**figures):
    """A target as targets_in_scope gives it: ends today, 100 short, projected tomorrow."""
    defaults = {
        "period_end": DAY,
        "achieved": 900,
        "remaining": 100,
        "projected_on": TOMORROW,
        "reached_on": None,
    }
    return SimpleNamespace(**{**defaults, **figures})


@pytest.mark.parametrize(
    ("figures", "urgency"),
    [
        ({}, Urgency.AT_RISK),  # ends today and not reached: always at risk
        (
            {"achieved": 1000, "remaining": 0, "projected_on": None, "reached_on": DAY},
            Urgency.REACHED,
        ),
        ({"period_end": TOMORROW}, Urgency.ON_TRACK),  # projected on the last day
        (
            {"period_end": TOMORROW, "projected_on": TOMORROW + datetime.timedelta(days=1)},
            Urgency.AT_RISK,
        ),
        ({"period_end": TOMORROW, "projected_on": None}, Urgency.AT_RISK),  # no pace at all
        ({"achieved": None, "remaining": None, "projected_on": None}, Urgency.NO_DATA),
        ({"period_end": DAY - datetime.timedelta(days=1)}, Urgency.MISSED),
        ({"period_end": DAY - datetime.timedelta(days=1), "reached_on": DAY}, Urgency.REACHED),
    ],
    ids=[
        "ends today, not reached",
        "reached exactly today",
        "projected on the last day",
        "projected a day after the end",
        "no pace",
        "no data",
        "ended yesterday, not reached",
        "reached, period over",
    ],
)
def test_a_targets_urgency(figures, urgency):
    assert target_urgency(progress(**figures), on=DAY) is urgency


@pytest.fixture
def targets(db, settings, subdistrict, committee, subdistrict_staff):
    """On 04-29, 900 doses of 万里雅筑 since 04-01 (31 a day): a target of 1,000 ending
    today is at risk, one of 1,000 ending 05-31 on track, one of 900 reached, one of 500
    ended 04-20 missed (nothing given then), and one starting today has no figures."""
    settings.STREETVAX_DEMO_DATE = DAY
    campaign = CampaignFactory(start_date=datetime.date(2021, 4, 1))
    other = CommitteeFactory(subdistrict=subdistrict, code="WL-09", name="新泉居民区")
    site = SiteFactory(subdistrict=subdistrict)
    DailyTally.objects.create(
        date=DAY, site=site, committee=committee, dose_kind="first", count=900, source="import"
    )
    made = {}
    for name, value, start, end, where in [
        ("四月底冲刺", 1000, datetime.date(2021, 4, 1), DAY, committee),
        ("五月目标", 1000, datetime.date(2021, 4, 1), datetime.date(2021, 5, 31), committee),
        ("四月目标", 900, datetime.date(2021, 4, 1), datetime.date(2021, 4, 30), committee),
        ("四月上旬目标", 500, datetime.date(2021, 4, 1), datetime.date(2021, 4, 20), committee),
        ("新泉今日起", 100, DAY, datetime.date(2021, 5, 15), other),
        ("新泉四月底", 200, datetime.date(2021, 4, 1), DAY, other),
    ]:
        made[name] = TargetFactory(
            campaign=campaign,
            subdistrict=None,
            committee=where,
            name=name,
            value=value,
            period_start=start,
            period_end=end,
            metric=Target.Metric.FIRST,
        )
    snapshots_rebuild(start=datetime.date(2021, 4, 1))
    # A target starting today whose progress was never built: no figures.
    made["新泉今日起"].progress.all().delete()
    return made


@pytest.mark.django_db
def test_targets_are_ordered_by_urgency(targets, subdistrict_staff):
    scope = subdistrict_staff.staff_scope
    listed = [
        (row.target.name, row.urgency, row.days_left) for row in targets_by_urgency(scope, on=DAY)
    ]
    assert listed == [
        # At risk, both ending today: the one with more to go first.
        ("新泉四月底", Urgency.AT_RISK, 0),
        ("四月底冲刺", Urgency.AT_RISK, 0),
        ("五月目标", Urgency.ON_TRACK, 32),
        ("新泉今日起", Urgency.NO_DATA, 16),
        ("四月目标", Urgency.REACHED, 1),
        ("四月上旬目标", Urgency.MISSED, -9),
    ]


@pytest.mark.django_db
def test_the_targets_page_lists_at_risk_first_with_a_word_and_the_bulletins_wording(
    client, targets, subdistrict_staff
):
    client.force_login(subdistrict_staff)
    html = client.get(reverse("reports:targets")).content.decode()
    names = ["新泉四月底", "四月底冲刺", "五月目标", "新泉今日起", "四月目标", "四月上旬目标"]
    positions = [html.index(f"<strong>{name}</strong>") for name in names]
    assert positions == sorted(positions)
    assert "今天截止，还差 100" in html  # as the bulletin says it
    assert "还剩 32 天，还差 100" in html
    assert "04-20 已截止，差 500 未完成" in html
    first = html.split('<ul class="targets">', 1)[1].split("</li>", 1)[0]
    assert 'class="urgency-at-risk' in first
    assert '<span class="urgency at-risk">有风险</span>' in first
    legend = html.split('<ul class="urgency-legend"', 1)[1].split("</ul>", 1)[0]
    for word in ("有风险", "进度正常", "暂无数据", "已完成", "未完成"):
        assert word in legend
    # Without a target asked for, the chart shows the most urgent one.
    assert "<h2>新泉四月底 · 新泉居民区</h2>" in html
    assert html.index('<ul class="targets">') < html.index('id="target-chart"')
