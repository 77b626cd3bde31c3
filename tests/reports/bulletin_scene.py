"""A small, hand-computed day for the bulletin tests (pages, access matrix, browser).

万里街道 (eligible 10,000) has three committees of 2,400 people and three sites:

| date  | 万里雅筑 first | 中浩云 first | 中浩云 second | 新梅 first |
|-------|---------------|-------------|---------------|-----------|
| 04-28 | 600           | 100         |               | 300       |
| 04-29 | 0             | 300         | 90            |           |

On 04-29: doses today 390; first doses cumulative 1,300 (13.0% of 10,000); full course 90
(0.9%). Ranks by first-dose coverage: 万里雅筑 25.0% (1), 中浩云 16.7% (2, up 1 from 3),
新梅 12.5% (3, down 1 from 2). The fixed site reported, 上海西站临时接种点 did not, the
closed 花鸟市场 site is not open. Targets: 万里街道4月接种任务 1,500 doses in April,
achieved 1,390 (92.7%), 1 day left; 中浩云4月第一剂 400 first doses from 04-28, reached on
04-29, 1 day early. 五里堡街道 in 二七区 is far away, with a bulletin of its own.
"""

import datetime

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

DAY1, DAY = datetime.date(2021, 4, 28), datetime.date(2021, 4, 29)


def build_scene(settings, subdistrict, committee) -> dict:
    settings.STREETVAX_DEMO_DATE = DAY
    subdistrict.eligible_population = 10_000
    subdistrict.save()
    campaign = CampaignFactory(start_date=DAY1)
    zhonghao = CommitteeFactory(subdistrict=subdistrict, code="WL-02", name="中浩云居民区")
    xinmei = CommitteeFactory(subdistrict=subdistrict, code="WL-03", name="新梅居民区")
    fixed = SiteFactory(
        subdistrict=subdistrict,
        code="WL-F-01",
        name="万里街道东片区固定接种点",
        daily_capacity=2000,
    )
    temporary = SiteFactory(
        subdistrict=subdistrict, code="WL-T-XZ", name="上海西站临时接种点", kind="temporary"
    )
    SiteFactory(
        subdistrict=subdistrict,
        code="WL-T-HN",
        name="岚灵花鸟市场临时接种点",
        kind="temporary",
        active_to=DAY1,
    )
    far = SubdistrictFactory(
        district=DistrictFactory(code="410103", name="二七区"), code="410103-WLB", name="五里堡街道"
    )
    far_committee = CommitteeFactory(subdistrict=far, code="WLB-01", name="五里堡社区")
    far_site = SiteFactory(subdistrict=far, code="WLB-F-01", name="五里堡接种点")
    rows = [
        (DAY1, fixed, committee, "first", 600),
        (DAY1, fixed, zhonghao, "first", 100),
        (DAY1, temporary, xinmei, "first", 300),
        (DAY, fixed, committee, "first", 0),
        (DAY, fixed, zhonghao, "first", 300),
        (DAY, fixed, zhonghao, "second", 90),
        (DAY, far_site, far_committee, "first", 50),
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=d, site=s, committee=c, dose_kind=k, count=n, source="import")
        for d, s, c, k, n in rows
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=subdistrict,
        name="万里街道4月接种任务",
        value=1500,
        period_start=datetime.date(2021, 4, 1),
        period_end=datetime.date(2021, 4, 30),
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=None,
        committee=zhonghao,
        name="中浩云4月第一剂",
        metric="first",
        value=400,
        period_start=DAY1,
        period_end=datetime.date(2021, 4, 30),
    )
    snapshots_rebuild(start=DAY1)
    return {
        "zhonghao": zhonghao,
        "xinmei": xinmei,
        "fixed": fixed,
        "temporary": temporary,
        "far": far,
        "far_site": far_site,
    }
