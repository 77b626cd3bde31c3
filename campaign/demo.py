"""Demo data for StreetVax and the service that writes it: ``demo_seed``.

Why it exists: the ranking, the target pages and the bulletin only make sense with a whole
campaign of tallies behind them. The places, site names, dates and figures below come from
four 2021 newspaper reports (Putuo district's Wanli subdistrict and Jing'an district's Shimen
Erlu subdistrict in Shanghai, Erqi district in Zhengzhou). They are copied into this module
as Python data, so nothing reads those reports at run time. What the reports do not say
(most committee names, populations, the daily counts) is invented, but shaped after what
they do say: a quiet January and February for priority occupational groups, the Spring
Festival lull, the ramp when residents could book (03-19) and the 60+ drive (03-25), the
April-June peak, the 76+ drive (05-17), weekend dips and the three-day sprint at the end
of June. Wanli's April target of 32,800 doses is reached on 04-29 and its 1,500-dose sprint
on 06-30, as the Wanli report tells.

Rules the seeder keeps:

- Deterministic: every random draw comes from ``random.Random`` seeded with a fixed string
  and the code of the place it is for, so a place's data never depends on what else is
  generated. The demo part of ``--scale city`` is therefore the demo itself.
- Idempotent and safe for edited data: rows are looked up by their natural key (``code``,
  a campaign's or target's name, a username, a tally's date/site/committee/dose) and only
  missing ones are inserted. Nothing is ever updated or deleted, so what a user changed
  stays changed.
- Bounded: tallies are generated and bulk-inserted one day at a time, so memory stays flat
  at city scale, and a run that stopped half-way is completed by the next one.

Tallies are bulk-inserted (``source=import``, no ``entered_by``, version 1) and so have no
history rows; the areas, sites, campaign and targets get one "created" history row each.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import reset_queries, transaction
from django.db.models import Model, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from campaign.clock import today
from campaign.models import (
    Building,
    BuildingCount,
    Campaign,
    Committee,
    District,
    StaffScope,
    Subdistrict,
    Target,
)
from campaign.services import building_count_record, building_create
from reports.models import MilestoneNote
from reports.services import snapshots_rebuild
from sites.bulk import add_rows
from sites.models import DailyTally, MobileVisit, Site, SitePlan
from sites.plans import PlanCell, mobile_visit_record, site_plans_set
from sites.services import TALLY_COLUMNS

# ---------------------------------------------------------------------------------------
# The campaign and its calendar (seed 000: "174 days", 2021-01-08 to 2021-06-30)
# ---------------------------------------------------------------------------------------

SEED = "streetvax-demo-2021"
DEMO_PASSWORD = "streetvax-demo"  # noqa: S105 - public on purpose, printed by the command

CAMPAIGN_NAME = "2021年新冠疫苗接种"
CAMPAIGN_START = date(2021, 1, 8)
CAMPAIGN_END = date(2021, 6, 30)
DOSES_FOR_FULL_COURSE = 2

SPRING_FESTIVAL = (date(2021, 2, 11), date(2021, 2, 17))
WHOLE_ORGANISATIONS = date(2021, 3, 2)  # 整建制单位接种启动
RESIDENTS_BOOKING = date(2021, 3, 19)  # 居民预约渠道开通
AGE_60_DRIVE = date(2021, 3, 25)  # 60岁及以上人群登记预约
LABOUR_DAY = (date(2021, 5, 1), date(2021, 5, 5))
AGE_76_DRIVE = date(2021, 5, 17)  # 76岁及以上人群登记预约
SPRINT = (date(2021, 6, 28), date(2021, 6, 30))  # 三天冲刺
TEMPORARY_SITES_CLOSE = CAMPAIGN_END  # 所有临时接种点6月30日平稳关闭

CAMPAIGN = (CAMPAIGN_START, CAMPAIGN_END)
DAYS = (CAMPAIGN_END - CAMPAIGN_START).days + 1  # 174
DATES = tuple(CAMPAIGN_START + timedelta(days=i) for i in range(DAYS))

# A second dose comes 3 to 8 weeks after the first, mostly after 21-28 days; 3% never come
# back within the campaign. (days after the first dose, share of the people)
SECOND_DOSE_INTERVALS = (
    (21, 0.22),
    (22, 0.08),
    (23, 0.07),
    (24, 0.07),
    (25, 0.06),
    (26, 0.06),
    (27, 0.05),
    (28, 0.14),
    (31, 0.05),
    (35, 0.06),
    (42, 0.06),
    (49, 0.03),
    (56, 0.02),
)
# Enterprise and school sessions run on one weekday: the second dose is 3 or 4 weeks later.
SESSION_SECOND_DOSE_INTERVALS = ((21, 0.90), (28, 0.08))

STATION_DAILY_DOSES = {"fixed": 120, "temporary": 125, "mobile": 100}

SHIMEN_HOURS = (time(9, 0), time(19, 30))  # 服务时间从9:00到19:30
ERQI_897_HOURS = (time(8, 0), time(17, 0))  # "897"工作制: 8点开始, 一天9小时, 一周7天
XINQUAN_HOURS = (time(9, 0), time(21, 0))  # 新泉: night sessions from 04-25


# ---------------------------------------------------------------------------------------
# Shapes of the data tables
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visitors:
    """People from outside the subdistrict vaccinated at a site: tallies with no committee.

    ``profile`` says when they come: "office" (white-collar workers, weekdays), "leisure"
    (mall, park, flower market: weekends), "transit" (a railway station: every day),
    "sessions" (enterprise or school sessions on weekdays, second dose 3-4 weeks later).
    ``daily`` is the first doses on a busy day; ``total`` fixes the exact number of first
    doses over ``window`` (sessions with a reported total, like Daxuelu's 685 employees).
    """

    profile: str
    daily: int = 0
    total: int = 0
    window: tuple[date, date] | None = None


@dataclass(frozen=True)
class SiteSpec:
    """A vaccination site. ``zone`` (fixed sites) is the zone whose residents it is home to;
    ``serves`` (temporary and mobile sites) the zones whose residents also go there, empty
    for all of them. ``residents=False`` marks a site only for non-residents."""

    code: str
    name: str
    kind: str
    address: str
    stations: int
    active_from: date
    active_to: date | None = None
    hours: tuple[time, time] | None = None
    zone: str = ""
    serves: tuple[str, ...] = ()
    residents: bool = True
    visitors: Visitors | None = None
    visits: tuple[tuple[date, str], ...] = ()  # mobile sites: (day, committee code) home visits

    @property
    def daily_capacity(self) -> int:
        return self.stations * STATION_DAILY_DOSES[self.kind]

    def is_active(self, day: date) -> bool:
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


@dataclass(frozen=True)
class CommitteeSpec:
    code: str
    name: str
    eligible_population: int
    zone: str = ""


@dataclass(frozen=True)
class SubdistrictSpec:
    code: str
    name: str
    committees: tuple[CommitteeSpec, ...]
    sites: tuple[SiteSpec, ...]

    @property
    def eligible_population(self) -> int:
        return sum(committee.eligible_population for committee in self.committees)


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    eligible_population: int  # the whole district, also the parts the demo leaves out
    subdistricts: tuple[SubdistrictSpec, ...]


@dataclass(frozen=True)
class Milestone:
    """A figure a report gives: ``value`` doses at the subdistrict's sites from ``start``,
    first reached on ``reached_on``."""

    subdistrict: str
    start: date
    reached_on: date
    value: int


def _committees(
    subdistrict_code: str, rows: Sequence[tuple[str, int, str]]
) -> tuple[CommitteeSpec, ...]:
    """Committees numbered in table order: the code is the subdistrict's plus 01, 02, ..."""
    return tuple(
        CommitteeSpec(f"{subdistrict_code}-{n:02d}", name, population, zone)
        for n, (name, population, zone) in enumerate(rows, start=1)
    )


def _d(month: int, day: int) -> date:
    return date(2021, month, day)


# ---------------------------------------------------------------------------------------
# Putuo district, Wanli subdistrict (seeds 000 and 003): 33 residential committees,
# fixed sites in the east and west zones, temporary sites at busy places, a mobile team
# and a mobile vaccination bus.
# ---------------------------------------------------------------------------------------

WANLI_CODE = "310107-WL"
WANLI_COMMITTEES = _committees(
    WANLI_CODE,
    (
        ("万里城一居民区", 2860, "E"),
        ("万里城二居民区", 2670, "E"),
        ("万里城三居民区", 2550, "E"),
        ("万里城四居民区", 2960, "E"),
        ("万里城五居民区", 2360, "E"),
        ("万里城六居民区", 2170, "E"),
        ("万里雅筑居民区", 2450, "E"),
        ("中浩云居民区", 2770, "E"),
        ("水泉居民区", 1690, "E"),  # 水泉路99弄
        ("新泉居民区", 2270, "E"),
        ("万里名轩居民区", 2060, "E"),
        ("万里华庭居民区", 1910, "E"),
        ("嘉怡水岸居民区", 2300, "E"),
        ("怡景苑居民区", 1810, "E"),
        ("富平苑居民区", 2030, "E"),
        ("泉新苑居民区", 1750, "E"),
        ("万里家园居民区", 2360, "E"),
        ("宝华城市花园居民区", 2570, "W"),
        ("颐华苑居民区", 2190, "W"),
        ("大华一村居民区", 2800, "W"),
        ("大华二村居民区", 2690, "W"),
        ("大华三村居民区", 2510, "W"),
        ("大华阳光居民区", 2110, "W"),
        ("新梅共和城居民区", 2890, "W"),
        ("丰宝苑居民区", 1890, "W"),
        ("新杨家桥居民区", 2240, "W"),
        ("香泉苑居民区", 1820, "W"),
        ("锦绣华庭居民区", 2010, "W"),
        ("金鼎香樟园居民区", 2430, "W"),
        ("新湖明珠城居民区", 3010, "W"),
        ("祥和居民区", 1680, "W"),
        ("怡华居民区", 1960, "W"),
        ("真华居民区", 2120, "W"),
    ),
)
# fmt: off
WANLI_SITES = (
    SiteSpec("WL-F-E", "万里街道东片区固定接种点", "fixed", "普陀区万镇路380号",
             stations=8, active_from=CAMPAIGN_START, zone="E"),
    SiteSpec("WL-F-W", "万里街道西片区固定接种点", "fixed", "普陀区真华路1050号",
             stations=7, active_from=CAMPAIGN_START, zone="W"),
    SiteSpec("WL-T-XQ", "万里新泉疫苗临时接种点", "temporary", "普陀区新村路2199号",
             stations=6, active_from=_d(3, 28), active_to=TEMPORARY_SITES_CLOSE,
             hours=XINQUAN_HOURS, serves=("E",)),
    SiteSpec("WL-T-YH", "颐华新冠疫苗临时接种点", "temporary", "普陀区大华路1288号",
             stations=5, active_from=_d(5, 10), active_to=TEMPORARY_SITES_CLOSE, serves=("W",)),
    SiteSpec("WL-T-DH", "大华虎城临时接种点", "temporary", "普陀区真华路1100号大华虎城",
             stations=4, active_from=_d(5, 12), active_to=TEMPORARY_SITES_CLOSE, serves=("W",),
             visitors=Visitors("office", daily=25)),
    SiteSpec("WL-T-JLF", "家乐福临时接种点", "temporary", "普陀区真北路1108号家乐福",
             stations=4, active_from=_d(5, 24), active_to=TEMPORARY_SITES_CLOSE,
             visitors=Visitors("leisure", daily=20)),
    SiteSpec("WL-T-LL", "岚灵花鸟市场临时接种点", "temporary", "普陀区岚灵花鸟市场",
             stations=3, active_from=_d(6, 4), active_to=TEMPORARY_SITES_CLOSE, serves=("W",),
             visitors=Visitors("leisure", daily=12)),
    SiteSpec("WL-T-XZ", "上海西站临时接种点", "temporary", "普陀区桃浦路上海西站南广场",
             stations=4, active_from=_d(6, 7), active_to=TEMPORARY_SITES_CLOSE, serves=("E",),
             visitors=Visitors("transit", daily=30)),
    # The mobile team brings doses into the compounds; on 06-03 it went to 水泉路99弄.
    SiteSpec("WL-M-01", "万里街道疫苗接种机动队", "mobile", "送针上门进小区",
             stations=2, active_from=AGE_60_DRIVE, visits=((_d(6, 3), f"{WANLI_CODE}-09"),)),
    # The first mobile vaccination bus drove into the 大华虎城 business park on 05-08.
    SiteSpec("WL-M-BUS", "移动疫苗接种车", "mobile", "巡回小区与园区",
             stations=2, active_from=_d(5, 8), active_to=TEMPORARY_SITES_CLOSE,
             visitors=Visitors("office", daily=8)),
)
# fmt: on

# ---------------------------------------------------------------------------------------
# Jing'an district, Shimen Erlu subdistrict (seed 001): Shanghai's smallest subdistrict,
# temporary sites in office towers, a mall and a park, open 9:00-19:30, many white-collar
# workers who live elsewhere.
# ---------------------------------------------------------------------------------------

SHIMEN_CODE = "310106-SMEL"
SHIMEN_COMMITTEES = _committees(
    SHIMEN_CODE,
    (
        ("东王居民区", 1820, ""),
        ("西王居民区", 1560, ""),
        ("新福康里居民区", 2140, ""),
        ("恒德里居民区", 1310, ""),
        ("斯文里居民区", 1480, ""),
        ("张家宅居民区", 1650, ""),
        ("培德里居民区", 1240, ""),
        ("大田路居民区", 1390, ""),
        ("奉贤路居民区", 1170, ""),
        ("中凯城市之光居民区", 1930, ""),
        ("新闸路居民区", 1420, ""),
        ("康定路居民区", 1580, ""),
    ),
)


def _shimen_site(
    code: str, name: str, address: str, stations: int, opened: date, visitors: Visitors | None
) -> SiteSpec:
    """Shimen Erlu's temporary sites: 9:00-19:30, closed on 06-30; office-tower sites are
    for the white-collar workers only."""
    return SiteSpec(
        code,
        name,
        "temporary",
        address,
        stations=stations,
        active_from=opened,
        active_to=TEMPORARY_SITES_CLOSE,
        hours=SHIMEN_HOURS,
        residents=visitors is None or visitors.profile != "office",
        visitors=visitors,
    )


# fmt: off
SHIMEN_SITES = (
    SiteSpec("SMEL-F-01", "石门二路街道社区卫生服务中心接种点", "fixed", "静安区康定路210号",
             stations=4, active_from=CAMPAIGN_START),
    # 国泰君安 was the subdistrict's first outdoor temporary site.
    _shimen_site("SMEL-T-GTJA", "国泰君安临时接种点", "静安区南京西路768号国泰君安大厦",
                 3, _d(5, 17), Visitors("office", daily=110)),
    _shimen_site("SMEL-T-JD", "嘉地中心临时接种点", "静安区嘉地中心",
                 3, _d(5, 24), Visitors("office", daily=130)),
    _shimen_site("SMEL-T-ZY", "仲益大厦临时接种点", "静安区仲益大厦一楼",
                 2, _d(5, 31), Visitors("office", daily=80)),
    _shimen_site("SMEL-T-MLZ", "梅龙镇广场临时接种点", "静安区南京西路1038号梅龙镇广场",
                 3, _d(6, 1), Visitors("leisure", daily=140)),
    _shimen_site("SMEL-T-DSGY", "雕塑公园临时接种点", "静安区石门二路128号静安雕塑公园",
                 2, _d(6, 5), Visitors("leisure", daily=50)),
    _shimen_site("SMEL-T-YGJY", "阳光家园临时接种点", "静安区阳光家园活动室",
                 2, _d(6, 1), None),
    _shimen_site("SMEL-T-BJXL", "北京西路临时接种点", "静安区北京西路沿街",
                 2, _d(6, 7), Visitors("transit", daily=35)),
    _shimen_site("SMEL-T-FYL", "凤阳路临时接种点", "静安区凤阳路沿街",
                 2, _d(6, 7), Visitors("transit", daily=25)),
    _shimen_site("SMEL-T-DW", "东王居民区临时疫苗接种点", "静安区东王居民区",
                 1, _d(6, 10), None),
)
# fmt: on

# ---------------------------------------------------------------------------------------
# Zhengzhou, Erqi district (seed 002): three subdistricts. Sites open 8:00-17:00 ("897").
# Wulibao has exactly 13 communities; Daxuelu runs an enterprise session at the Zhengzhou
# Transport Hospital (100+ firms, 685 employees), whose tallies have no committee.
# ---------------------------------------------------------------------------------------

JINGGUANG_CODE = "410103-JGL"
JINGGUANG_COMMITTEES = _committees(
    JINGGUANG_CODE,
    (
        ("陇海西路社区", 5200, ""),
        ("京广南路社区", 4700, ""),
        ("路砦社区", 6100, ""),
        ("政通路社区", 4300, ""),
        ("福华街社区", 5600, ""),
        ("冯庄社区", 3900, ""),
        ("春晖社区", 4500, ""),
        ("兴华南街社区", 5300, ""),
    ),
)
# fmt: off
JINGGUANG_SITES = (  # "街道共设立2个接种点"
    SiteSpec("JGL-F-01", "京广路街道社区卫生服务中心接种点", "fixed", "二七区京广南路68号",
             stations=5, active_from=CAMPAIGN_START, hours=ERQI_897_HOURS),
    SiteSpec("JGL-T-01", "京广路街道集中接种点", "temporary", "二七区京广路街道文体活动中心",
             stations=12, active_from=_d(3, 22), active_to=TEMPORARY_SITES_CLOSE,
             hours=ERQI_897_HOURS),
)
# fmt: on

WULIBAO_CODE = "410103-WLB"
WULIBAO_COMMITTEES = _committees(
    WULIBAO_CODE,
    (
        ("五里堡社区", 5400, ""),
        ("兴华街社区", 4800, ""),
        ("汝河路社区", 6200, ""),
        ("淮河路社区", 5100, ""),
        ("颍河路社区", 4400, ""),
        ("伊河路社区", 3800, ""),
        ("嵩山南路社区", 5900, ""),
        ("碧云路社区", 4600, ""),
        ("陇海路社区", 4200, ""),
        ("庆丰街社区", 3600, ""),
        ("亚星社区", 5000, ""),
        ("建中街社区", 4100, ""),
        ("航海路社区", 5700, ""),
    ),
)
# fmt: off
WULIBAO_SITES = (
    SiteSpec("WLB-F-01", "五里堡卫生服务中心接种点", "fixed", "二七区五里堡卫生服务中心",
             stations=10, active_from=CAMPAIGN_START, hours=ERQI_897_HOURS),
    # "上门服务"为师生接种: school sessions on weekdays, plus home visits in the communities.
    SiteSpec("WLB-M-01", "五里堡卫生服务中心上门接种队", "mobile", "进校园、进社区上门服务",
             stations=3, active_from=_d(4, 6), active_to=TEMPORARY_SITES_CLOSE,
             hours=ERQI_897_HOURS,
             visitors=Visitors("sessions", daily=70, window=(_d(4, 12), _d(5, 21)))),
)
# fmt: on

DAXUELU_CODE = "410103-DXL"
DAXUELU_COMMITTEES = _committees(
    DAXUELU_CODE,
    (
        ("郑大社区", 6800, ""),
        ("大学北路社区", 4900, ""),
        ("大学南路社区", 5300, ""),
        ("连云路社区", 4200, ""),
        ("民主路社区", 3700, ""),
        ("陇海中路社区", 5500, ""),
        ("工人新村社区", 4600, ""),
        ("交通路社区", 3900, ""),
        ("铁英街社区", 4400, ""),
        ("汝河新区社区", 5100, ""),
    ),
)
ENTERPRISE_SITE_CODE = "DXL-T-JTYY"
ENTERPRISE_EMPLOYEES = 685  # 辖区100多家企业的685名员工
# fmt: off
DAXUELU_SITES = (
    SiteSpec("DXL-F-01", "大学路街道社区卫生服务中心接种点", "fixed", "二七区大学路80号",
             stations=5, active_from=CAMPAIGN_START, hours=ERQI_897_HOURS),
    SiteSpec("DXL-T-01", "大学路街道临时接种点", "temporary", "二七区大学路街道文体活动中心",
             stations=12, active_from=_d(3, 22), active_to=TEMPORARY_SITES_CLOSE,
             hours=ERQI_897_HOURS),
    # 企业新冠疫苗接种专场: only employees of the subdistrict's firms, who live elsewhere.
    SiteSpec(ENTERPRISE_SITE_CODE, "郑州市交通医院企业接种专场", "temporary",
             "二七区郑州市交通医院二楼", stations=3, active_from=_d(5, 6),
             active_to=TEMPORARY_SITES_CLOSE, hours=ERQI_897_HOURS, residents=False,
             visitors=Visitors("sessions", total=ENTERPRISE_EMPLOYEES,
                               window=(_d(5, 6), _d(5, 21)))),
)
# fmt: on

PUTUO = DistrictSpec(
    "310107",
    "普陀区",
    1_080_000,
    (SubdistrictSpec(WANLI_CODE, "万里街道", WANLI_COMMITTEES, WANLI_SITES),),
)
JINGAN = DistrictSpec(
    "310106",
    "静安区",
    850_000,
    (SubdistrictSpec(SHIMEN_CODE, "石门二路街道", SHIMEN_COMMITTEES, SHIMEN_SITES),),
)
ERQI = DistrictSpec(
    "410103",
    "郑州市二七区",
    820_000,
    (
        SubdistrictSpec(JINGGUANG_CODE, "京广路街道", JINGGUANG_COMMITTEES, JINGGUANG_SITES),
        SubdistrictSpec(WULIBAO_CODE, "五里堡街道", WULIBAO_COMMITTEES, WULIBAO_SITES),
        SubdistrictSpec(DAXUELU_CODE, "大学路街道", DAXUELU_COMMITTEES, DAXUELU_SITES),
    ),
)
DEMO_DISTRICTS = (PUTUO, JINGAN, ERQI)

# Wanli's figures (seed 000): April passed 32,800 doses on 04-29 at 16:12, "ahead of
# plan"; the three-day sprint of 1,500 doses was done on 06-30 at 11:18.
# The demo's "today" (make run sets STREETVAX_DEMO_DATE to it): the campaign's last evening,
# 19:30, with a few sites still to report, so the "not reported" board and the entry grid
# have work to show.
DEMO_TODAY = CAMPAIGN_END
NOT_YET_REPORTED_ON_DEMO_TODAY = frozenset({"WL-T-JLF", "WL-M-BUS", "SMEL-T-YGJY"})

MILESTONES = (
    Milestone(WANLI_CODE, _d(4, 1), _d(4, 29), 32_800),
    Milestone(WANLI_CODE, SPRINT[0], SPRINT[1], 1_500),
)
PUTUO_TARGET_COMPLETION = 1.05  # 普陀区目标完成率105%

# Demo logins: (username, name shown in the UI, role, code of the area, superuser)
DEMO_USERS = (
    ("admin", "管理员", StaffScope.Role.ADMINISTRATOR, "", True),
    ("putuo_leader", "普陀区领导", StaffScope.Role.DISTRICT_LEADER, PUTUO.code, False),
    ("wanli_staff", "万里街道录入员", StaffScope.Role.SUBDISTRICT_STAFF, WANLI_CODE, False),
    ("wanli_yazhu", "万里雅筑居委", StaffScope.Role.COMMITTEE_STAFF, f"{WANLI_CODE}-07", False),
)

# ---------------------------------------------------------------------------------------
# --scale city: Shanghai's 16 districts and 215 subdistricts and towns (2021), with
# committees and sites generated for the ones the demo does not have. The district figure
# is the eligible (adult) population; generated committees share out what the demo's
# subdistricts leave, so a district equals the sum of its subdistricts at city scale.
# ---------------------------------------------------------------------------------------

# fmt: off
SHANGHAI = (
    ("310101", "黄浦区", 580_000, "南京东路街道 外滩街道 半淞园路街道 小东门街道 豫园街道 "
     "老西门街道 五里桥街道 打浦桥街道 淮海中路街道 瑞金二路街道"),
    ("310104", "徐汇区", 960_000, "天平路街道 湖南路街道 斜土路街道 枫林路街道 长桥街道 "
     "田林街道 虹梅路街道 康健新村街道 徐家汇街道 凌云路街道 龙华街道 漕河泾街道 华泾镇"),
    ("310105", "长宁区", 600_000, "华阳路街道 江苏路街道 新华路街道 周家桥街道 天山路街道 "
     "仙霞新村街道 虹桥街道 程家桥街道 北新泾街道 新泾镇"),
    ("310106", "静安区", JINGAN.eligible_population, "静安寺街道 曹家渡街道 江宁路街道 "
     "石门二路街道 南京西路街道 天目西路街道 北站街道 宝山路街道 芷江西路街道 共和新路街道 "
     "大宁路街道 彭浦新村街道 临汾路街道 彭浦镇"),
    ("310107", "普陀区", PUTUO.eligible_population, "曹杨新村街道 长风新村街道 长寿路街道 "
     "甘泉路街道 石泉路街道 宜川路街道 万里街道 真如镇街道 长征镇 桃浦镇"),
    ("310109", "虹口区", 660_000, "欧阳路街道 曲阳路街道 广中路街道 嘉兴路街道 凉城新村街道 "
     "四川北路街道 北外滩街道 江湾镇街道"),
    ("310110", "杨浦区", 1_080_000, "定海路街道 平凉路街道 江浦路街道 四平路街道 控江路街道 "
     "长白新村街道 延吉新村街道 殷行街道 大桥街道 五角场街道 新江湾城街道 五角场镇"),
    ("310112", "闵行区", 2_260_000, "江川路街道 古美街道 新虹街道 浦锦街道 莘庄镇 七宝镇 "
     "颛桥镇 华漕镇 虹桥镇 梅陇镇 吴泾镇 马桥镇 浦江镇"),
    ("310113", "宝山区", 1_900_000, "友谊路街道 吴淞街道 张庙街道 罗店镇 大场镇 杨行镇 "
     "月浦镇 罗泾镇 顾村镇 高境镇 庙行镇 淞南镇"),
    ("310114", "嘉定区", 1_560_000, "新成路街道 真新街道 嘉定镇街道 南翔镇 安亭镇 马陆镇 "
     "徐行镇 华亭镇 外冈镇 江桥镇"),
    ("310115", "浦东新区", 4_840_000, "潍坊新村街道 陆家嘴街道 周家渡街道 塘桥街道 "
     "上钢新村街道 南码头路街道 沪东新村街道 金杨新村街道 洋泾街道 浦兴路街道 东明路街道 "
     "花木街道 川沙新镇 高桥镇 北蔡镇 合庆镇 唐镇 曹路镇 金桥镇 高行镇 高东镇 张江镇 三林镇 "
     "惠南镇 周浦镇 新场镇 大团镇 康桥镇 航头镇 祝桥镇 泥城镇 宣桥镇 书院镇 万祥镇 老港镇 "
     "南汇新城镇"),
    ("310116", "金山区", 700_000, "石化街道 朱泾镇 枫泾镇 张堰镇 亭林镇 吕巷镇 廊下镇 "
     "金山卫镇 漕泾镇 山阳镇"),
    ("310117", "松江区", 1_630_000, "岳阳街道 永丰街道 方松街道 中山街道 广富林街道 "
     "九里亭街道 泗泾镇 佘山镇 车墩镇 新桥镇 洞泾镇 九亭镇 泖港镇 石湖荡镇 新浜镇 叶榭镇 "
     "小昆山镇"),
    ("310118", "青浦区", 1_090_000, "夏阳街道 盈浦街道 香花桥街道 朱家角镇 练塘镇 金泽镇 "
     "赵巷镇 徐泾镇 华新镇 重固镇 白鹤镇"),
    ("310120", "奉贤区", 970_000, "西渡街道 奉浦街道 金海街道 南桥镇 奉城镇 庄行镇 金汇镇 "
     "四团镇 青村镇 柘林镇 海湾镇"),
    ("310151", "崇明区", 570_000, "城桥镇 堡镇 新河镇 庙镇 竖新镇 向化镇 三星镇 港沿镇 "
     "中兴镇 陈家镇 绿华镇 港西镇 建设镇 新海镇 东平镇 长兴镇 新村乡 横沙乡"),
)
# fmt: on

# fmt: off
COMMITTEE_NAME_WORDS = (
    "康乐", "和平", "幸福", "新华", "长乐", "永安", "兴隆", "安居", "富民", "春光", "阳光", "绿洲",
    "金桥", "明珠", "锦绣", "华庭", "东方", "南苑", "北苑", "西苑", "翠竹", "梅园", "桂林", "枫林",
    "松柏", "银杏", "碧云", "彩虹", "星河", "海棠", "紫薇", "丽景", "嘉园", "佳苑", "泰和", "祥和",
    "宏福", "裕华", "德馨", "新风", "朝阳", "丰庆", "振兴", "友谊", "团结", "光明", "育才", "景秀",
    "怡和", "盛世", "清水", "荷花", "紫荆", "樱花", "玉兰", "杏林", "柳营", "凤凰", "银都", "金色",
)
COMMITTEE_NAME_ENDINGS = (
    "新村", "小区", "花园", "家园", "公寓", "苑", "城", "里", "坊", "湾",
)
# fmt: on
# Temporary site venues, with the non-residents each draws (None: residents only).
CITY_VENUES = (
    ("文化活动中心", None),
    ("购物中心", "leisure"),
    ("地铁站", "transit"),
    ("体育中心", None),
    ("产业园区", "office"),
    ("大型超市", "leisure"),
    ("党群服务中心", None),
    ("商务楼宇", "office"),
    ("老年活动中心", None),
)


@dataclass(frozen=True)
class CitySize:
    """How big ``--scale city`` is. The defaults are Shanghai's (about 6,000 committees,
    1,500 sites, all 215 subdistricts and towns); tests pass a smaller one."""

    committees: int = 6_000
    sites: int = 1_500
    subdistricts_per_district: int | None = None  # generated ones; None: all real ones


# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str
    created: bool  # False: the user existed already and its password was left alone


@dataclass
class DemoSeedResult:
    scale: str
    created: dict[str, int] = field(default_factory=dict)  # rows inserted, per model
    existing: dict[str, int] = field(default_factory=dict)  # rows already there, per model
    logins: list[DemoLogin] = field(default_factory=list)
    first_new_tally_date: date | None = None

    def count(self, label: str, *, created: int, existing: int) -> None:
        self.created[label] = self.created.get(label, 0) + created
        self.existing[label] = self.existing.get(label, 0) + existing

    @property
    def rows_created(self) -> int:
        return sum(self.created.values())


Progress = Callable[[str], None]


# ---------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------


def demo_seed(
    *,
    scale: str = "demo",
    city_size: CitySize | None = None,
    progress: Progress | None = None,
    build_snapshots: bool = True,
) -> DemoSeedResult:
    """Write the demo (``scale="demo"``) or the demo plus a Shanghai-sized city
    (``scale="city"``), inserting only what is missing. See the module docstring.

    ``city_size`` shrinks the city for tests (default: Shanghai's size); ``progress`` is
    told about each month of tallies as they are written. Tallies are bulk-inserted, not
    saved through ``record_tallies``, so the snapshots of the new days are built here."""
    if scale not in ("demo", "city"):
        raise ValueError(f"Unknown scale {scale!r}: use 'demo' or 'city'.")
    say = progress or (lambda _message: None)
    districts: tuple[DistrictSpec, ...] = DEMO_DISTRICTS
    if scale == "city":
        districts = city_districts(size=city_size or CitySize())
    result = DemoSeedResult(scale=scale)
    with transaction.atomic():
        campaign = _ensure_campaign(result)
        ids = _ensure_areas_and_sites(districts, result)
        _ensure_users(ids, result)
        _ensure_timeline_notes(ids, result)
    say(f"Areas and sites ready; generating {DAYS} days of tallies.")
    totals = _ensure_tallies(districts, ids, result, say)
    with transaction.atomic():
        _ensure_targets(campaign, target_specs(districts, totals), ids, result)
        _ensure_golden_shield_buildings(ids, result)
    with transaction.atomic():
        _ensure_plans_and_visits(ids, result)
    if build_snapshots and result.first_new_tally_date:
        say("Building the ranking and target progress of every day.")
        snapshots_rebuild(start=result.first_new_tally_date, trigger="command", job="seed_demo")
    return result


# ---------------------------------------------------------------------------------------
# City generation: places only (the tallies come from the same simulation as the demo)
# ---------------------------------------------------------------------------------------


def city_districts(*, size: CitySize) -> tuple[DistrictSpec, ...]:
    """Shanghai's 16 districts with generated subdistricts, committees and sites around the
    demo's Wanli and Shimen Erlu, plus the demo's Erqi. Deterministic for a given size.

    Each district's population minus its demo subdistricts is shared among the generated
    subdistricts at random; committees and sites are then shared out by population, so a
    committee has about the same number of people everywhere."""
    demo = {district.code: district for district in DEMO_DISTRICTS}
    demo_names = {s.name for d in DEMO_DISTRICTS for s in d.subdistricts}
    planned = []  # (district code, name, population, demo subdistricts, [(name, population)])
    for code, name, population, names in SHANGHAI:
        known = demo[code].subdistricts if code in demo else ()
        unknown = [n for n in names.split() if n not in demo_names]
        unknown = unknown[: size.subdistricts_per_district]
        rng = random.Random(f"{SEED}:city:{code}")  # noqa: S311 - demo data, not secrets
        left = population - sum(s.eligible_population for s in known)
        shares = _split(left, [rng.uniform(0.6, 1.4) for _ in unknown], rng.random())
        planned.append((code, name, population, known, list(zip(unknown, shares, strict=True))))
    populations = [share for *_, new in planned for _, share in new]
    demo_subdistricts = [s for d in DEMO_DISTRICTS for s in d.subdistricts]
    committees = iter(
        _split(
            size.committees - sum(len(s.committees) for s in demo_subdistricts), populations, 0.5
        )
    )
    sites = iter(
        _split(size.sites - sum(len(s.sites) for s in demo_subdistricts), populations, 0.5)
    )

    districts = []
    for code, name, population, known, new in planned:
        generated = tuple(
            _city_subdistrict(
                district_code=code,
                district_name=name,
                number=number,
                name=sub_name,
                population=share,
                committees=max(2, next(committees)),
                sites=max(2, next(sites)),
            )
            for number, (sub_name, share) in enumerate(new, start=1)
        )
        districts.append(DistrictSpec(code, name, population, known + generated))
    districts.append(ERQI)
    return tuple(districts)


def _city_subdistrict(
    *,
    district_code: str,
    district_name: str,
    number: int,
    name: str,
    population: int,
    committees: int,
    sites: int,
) -> SubdistrictSpec:
    """One generated subdistrict: ``committees`` residential committees sharing
    ``population``, one or two fixed sites (east/west zones), one mobile team and
    temporary sites that open between the residents' booking and early June."""
    code = f"{district_code}-{number:02d}"
    rng = random.Random(f"{SEED}:{code}:places")  # noqa: S311 - demo data, not secrets
    short = name.removesuffix("街道").removesuffix("新镇").removesuffix("镇").removesuffix("乡")
    short = short if len(short) >= 2 else name  # 唐镇 stays 唐镇
    fixed = 2 if sites >= 6 else 1
    zones = ("E", "W") if fixed == 2 else ("",)
    words = rng.sample(
        [w + e for w in COMMITTEE_NAME_WORDS for e in COMMITTEE_NAME_ENDINGS], committees
    )
    populations = _split(population, [rng.uniform(0.6, 1.4) for _ in words], rng.random())
    committee_specs = tuple(
        CommitteeSpec(f"{code}-{n:02d}", f"{word}居民区", max(pop, 300), zones[n % len(zones)])
        for n, (word, pop) in enumerate(zip(words, populations, strict=True), start=1)
    )
    address = f"{district_name}{name}"
    site_specs = [
        SiteSpec(
            f"{code}-F{n}",
            f"{short}{'东西'[n - 1]}片区固定接种点"
            if fixed == 2
            else f"{short}社区卫生服务中心接种点",
            "fixed",
            address,
            rng.randint(4, 8),
            CAMPAIGN_START,
            zone=zones[n - 1],
        )
        for n in range(1, fixed + 1)
    ]
    site_specs.append(
        SiteSpec(f"{code}-M1", f"{short}疫苗接种机动队", "mobile", address, 2, AGE_60_DRIVE)
    )
    for n in range(1, sites - fixed):
        venue, profile = CITY_VENUES[(n - 1 + number) % len(CITY_VENUES)]
        visitors = Visitors(profile, daily=rng.randint(10, 40)) if profile else None
        site_specs.append(
            SiteSpec(
                f"{code}-T{n:02d}",
                f"{short}{venue}临时接种点",
                "temporary",
                address,
                rng.randint(2, 6),
                _city_site_opening(rng),
                TEMPORARY_SITES_CLOSE,
                serves=(rng.choice(zones),) if fixed == 2 and rng.random() < 0.6 else (),
                visitors=visitors,
            )
        )
    return SubdistrictSpec(code, name, committee_specs, tuple(site_specs))


def _city_site_opening(rng: random.Random) -> date:
    """Most temporary sites opened in the weeks after residents could book; the rest by
    early June, for the last push."""
    if rng.random() < 0.7:
        return RESIDENTS_BOOKING + timedelta(days=rng.randint(0, 21))
    return _d(4, 10) + timedelta(days=rng.randint(0, 58))


# ---------------------------------------------------------------------------------------
# The simulation: how many doses each committee gets each day, and where
# ---------------------------------------------------------------------------------------

MIN_FIRST_SHARE = 0.15  # second doses never take the whole day: some first doses go on
DOSES_PER_WILLING_PERSON = 1.72  # plan size: about what the willing need within the campaign
HOME_WEIGHT, NEARBY_WEIGHT, VISIT_WEIGHT = 1.0, 0.7, 1.2  # where a committee's people go


def _demand(day: date) -> float:
    """Relative number of doses a subdistrict plans for ``day``; 1.0 is a weekday at the
    April peak. The phases follow the Wanli report's timeline."""
    if SPRING_FESTIVAL[0] <= day <= SPRING_FESTIVAL[1]:  # New Year's Eve to the 2nd: closed
        return 0.0 if day < SPRING_FESTIVAL[0] + timedelta(days=3) else 0.001
    if day < WHOLE_ORGANISATIONS:  # priority occupational groups only
        level = 0.03 if day.month == 1 else 0.04
    elif day < RESIDENTS_BOOKING:  # whole organisations
        level = 0.08
    elif day < AGE_60_DRIVE:  # residents may book
        level = 0.30
    elif day.month == 3:  # the 60+ drive ramps up
        level = 0.55 + 0.05 * (day - AGE_60_DRIVE).days
    elif day.month == 4:
        level = 0.95 + 0.004 * day.day
    elif LABOUR_DAY[0] <= day <= LABOUR_DAY[1]:
        level = 0.70
    elif day.month == 5:
        level = 1.08 if day >= AGE_76_DRIVE else 1.0
    elif day < SPRINT[0]:  # June: most willing people have had their first dose
        level = 0.80 - 0.02 * (day.day - 1)
    else:
        level = 0.42
    if day.weekday() >= 5:
        quiet = 0.4 if day < RESIDENTS_BOOKING else 0.8 if day.weekday() == 5 else 0.68
        level *= quiet
    return level


DEMAND = tuple(_demand(day) for day in DATES)


def _split(total: int, weights: Sequence[float], offset: float) -> list[int]:
    """Share ``total`` out in proportion to ``weights`` in whole numbers that add up to it.

    Systematic rounding: one random ``offset`` in [0, 1) decides all roundings, so each
    share is right on average and no share is larger than its exact value rounded up."""
    if not weights:
        return []
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares, reached, running = [], 0, 0.0
    for weight in weights[:-1]:
        running += weight
        upto = min(total, math.floor(total * running / whole + offset))
        shares.append(upto - reached)
        reached = upto
    shares.append(total - reached)
    return shares


def _schedule(
    due: list[int], day: int, count: int, intervals: Sequence[tuple[int, float]], offset: float
) -> None:
    """Book the second doses of ``count`` people vaccinated on ``day`` into ``due``."""
    reached, running = 0, 0.0
    for days_later, share in intervals:
        running += share
        upto = math.floor(count * running + offset)
        if upto > reached:
            due[day + days_later] += upto - reached
            reached = upto


@dataclass
class _CommitteeState:
    spec: CommitteeSpec
    willing: int  # people who will take a first dose at some point
    eagerness: float  # how early they come compared with the other committees
    home: str  # the fixed site of the committee's zone
    nearby: tuple[SiteSpec, ...]  # temporary sites it uses, in order of preference
    due: list[int]  # second doses due per day
    waiting: int = 0  # second doses due earlier that could not be given yet
    first_doses: int = 0


@dataclass
class _VisitorStream:
    site: SiteSpec
    first: list[int]
    second: list[int]


Row = tuple[str, str | None, str, int]  # site code, committee code (None: non-resident), dose


class StreetSimulation:
    """One subdistrict's campaign, day by day.

    Each day has a plan (``plan[i]``: doses for the subdistrict's residents). Second doses
    that are due come first, but never take more than 85% of the plan; the rest are first
    doses, shared among committees by how many willing people each still has and how
    eager they are. Each committee's doses go to its zone's fixed site plus at most two
    other active sites near it (a mobile visit counts as one). Non-residents come on their
    own schedule (``Visitors``). A fixed site with nobody that day reports an explicit 0.
    """

    def __init__(self, spec: SubdistrictSpec, milestones: Sequence[Milestone] = ()):
        self.spec = spec
        self.rng = random.Random(f"{SEED}:{spec.code}")  # noqa: S311 - demo data, not secrets
        rng = self.rng
        self.fixed = [s for s in spec.sites if s.kind == "fixed"]
        self.mobile = [s for s in spec.sites if s.kind == "mobile" and s.residents]
        others = [s for s in spec.sites if s.kind == "temporary" and s.residents]
        self.committees = []
        for committee in spec.committees:
            home = next((s for s in self.fixed if s.zone == committee.zone), self.fixed[0])
            nearby = [s for s in others if not s.serves or committee.zone in s.serves]
            rng.shuffle(nearby)
            self.committees.append(
                _CommitteeState(
                    spec=committee,
                    willing=round(committee.eligible_population * rng.uniform(0.58, 0.93)),
                    eagerness=rng.uniform(0.6, 1.5),
                    home=home.code,
                    nearby=tuple(nearby),
                    due=[0] * (DAYS + 60),
                )
            )
        self.visits = self._mobile_visits()
        self.visitors = [_visitor_stream(s) for s in spec.sites if s.visitors]
        self.plan = self._plan(milestones)
        # What was generated, for the targets: site totals per day, committees per month.
        self.first_by_day = [0] * DAYS
        self.second_by_day = [0] * DAYS
        self.committee_months: dict[tuple[str, int], list[int]] = {}

    def _mobile_visits(self) -> dict[int, dict[str, str]]:
        """Day index -> committee code -> mobile site code. Each mobile site visits as many
        compounds a day as it has stations, in turn; the reports' named visits are added."""
        visits: dict[int, dict[str, str]] = {}
        codes = [c.spec.code for c in self.committees]
        for site in self.mobile:
            turn = self.rng.randrange(len(codes))
            for i, day in enumerate(DATES):
                if site.is_active(day):
                    for _ in range(site.stations):
                        visits.setdefault(i, {})[codes[turn % len(codes)]] = site.code
                        turn += 1
            for day, committee_code in site.visits:
                visits.setdefault((day - CAMPAIGN_START).days, {})[committee_code] = site.code
        return visits

    def _plan(self, milestones: Sequence[Milestone]) -> list[int]:
        """Doses planned for residents each day: the campaign's shape, sized so the willing
        people get about their doses, then bent to meet the reports' milestones."""
        willing = sum(c.willing for c in self.committees)
        scale = willing * DOSES_PER_WILLING_PERSON / sum(DEMAND)
        rng = self.rng
        plan = [
            math.floor(scale * level * rng.uniform(0.9, 1.1) + rng.random()) for level in DEMAND
        ]
        visitors = [0] * DAYS
        for stream in self.visitors:
            for i in range(DAYS):
                visitors[i] += stream.first[i] + stream.second[i]
        for milestone in milestones:
            if milestone.subdistrict == self.spec.code:
                _meet_milestone(plan, visitors, milestone)
        return plan

    def day(self, i: int) -> list[Row]:
        """The tallies of day ``i`` (0 = the campaign's first day)."""
        day = DATES[i]
        rows: list[Row] = []
        seconds = self._second_doses(i)
        firsts = self._first_doses(i, self.plan[i] - sum(seconds))
        visits = self.visits.get(i, {})
        used_sites = set()
        for committee, first, second in zip(self.committees, firsts, seconds, strict=True):
            if first:
                committee.first_doses += first
                _schedule(committee.due, i, first, SECOND_DOSE_INTERVALS, self.rng.random())
            if not first and not second:
                continue
            month = self.committee_months.setdefault((committee.spec.code, day.month), [0, 0])
            month[0] += first
            month[1] += second
            for site_code, n_first, n_second in self._route(committee, i, first, second, visits):
                used_sites.add(site_code)
                if n_first:
                    rows.append((site_code, committee.spec.code, "first", n_first))
                if n_second:
                    rows.append((site_code, committee.spec.code, "second", n_second))
        self.first_by_day[i] += sum(firsts)
        self.second_by_day[i] += sum(seconds)
        for stream in self.visitors:
            for dose, counts in (("first", stream.first), ("second", stream.second)):
                if counts[i]:
                    rows.append((stream.site.code, None, dose, counts[i]))
                    used_sites.add(stream.site.code)
            self.first_by_day[i] += stream.first[i]
            self.second_by_day[i] += stream.second[i]
        rows.extend(
            (site.code, None, "first", 0)
            for site in self.fixed
            if site.code not in used_sites and site.is_active(day)
        )
        return rows

    def _second_doses(self, i: int) -> list[int]:
        wanted = [c.due[i] + c.waiting for c in self.committees]
        room = self.plan[i] - math.ceil(MIN_FIRST_SHARE * self.plan[i])
        given = wanted if sum(wanted) <= room else _split(room, wanted, self.rng.random())
        for committee, want, get in zip(self.committees, wanted, given, strict=True):
            committee.waiting = want - get
        return given

    def _first_doses(self, i: int, total: int) -> list[int]:
        """Share ``total`` first doses by willing people left times eagerness; nobody gets
        more than its willing people left."""
        left = [c.willing - c.first_doses for c in self.committees]
        if total >= sum(left):
            return left
        rng = self.rng
        weights = [
            n * c.eagerness * rng.uniform(0.8, 1.2)
            for n, c in zip(left, self.committees, strict=True)
        ]
        shares = _split(total, weights, rng.random())
        over = 0
        for k, (share, most) in enumerate(zip(shares, left, strict=True)):
            if share > most:
                over += share - most
                shares[k] = most
        if over:
            room = [most - share for share, most in zip(shares, left, strict=True)]
            for k, extra in enumerate(_split(over, room, rng.random())):
                shares[k] += extra
        return shares

    def _route(
        self, committee: _CommitteeState, i: int, first: int, second: int, visits: dict[str, str]
    ) -> Iterator[tuple[str, int, int]]:
        """Where one committee's doses of the day are given: its fixed site, plus a mobile
        visit and active nearby temporary sites once residents may book (at most 3)."""
        day = DATES[i]
        if day < RESIDENTS_BOOKING:
            yield committee.home, first, second
            return
        options = [(committee.home, HOME_WEIGHT)]
        visitor = visits.get(committee.spec.code)
        if visitor:
            options.append((visitor, VISIT_WEIGHT))
        for site in committee.nearby:
            if len(options) == 3:
                break
            if site.is_active(day):
                options.append((site.code, NEARBY_WEIGHT))
        if len(options) == 1:
            yield committee.home, first, second
            return
        weights = [w * self.rng.uniform(0.7, 1.3) for _, w in options]
        firsts = _split(first, weights, self.rng.random())
        seconds = _split(second, weights, self.rng.random())
        for (site_code, _), n_first, n_second in zip(options, firsts, seconds, strict=True):
            if n_first or n_second:
                yield site_code, n_first, n_second


VISITOR_WEEK = {  # Monday .. Sunday
    "office": (1.0, 1.0, 1.0, 1.0, 0.95, 0.25, 0.15),
    "leisure": (0.55, 0.5, 0.5, 0.55, 0.7, 1.0, 1.0),
    "transit": (0.9, 0.85, 0.85, 0.9, 1.1, 1.1, 1.0),
    "sessions": (1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0),
}


def _visitor_stream(site: SiteSpec) -> _VisitorStream:
    """First and second doses of the non-residents at ``site``, day by day. Sessions
    (enterprises, schools) come back on the same weekday for the second dose; others come
    back after the usual intervals if the site is still open then."""
    visitors = site.visitors
    if visitors is None:
        raise ValueError(f"{site.code} has no visitors")
    rng = random.Random(f"{SEED}:{site.code}:visitors")  # noqa: S311 - demo data, not secrets
    start, end = visitors.window or (site.active_from, site.active_to or CAMPAIGN_END)
    week = VISITOR_WEEK[visitors.profile]
    weights = [
        week[day.weekday()] * rng.uniform(0.75, 1.25) if start <= day <= end else 0.0
        for day in DATES
    ]
    if visitors.total:
        first = _split(visitors.total, weights, rng.random())
    else:
        first = [round(visitors.daily * w) for w in weights]
    intervals = (
        SESSION_SECOND_DOSE_INTERVALS if visitors.profile == "sessions" else SECOND_DOSE_INTERVALS
    )
    due = [0] * (DAYS + 60)
    for i, count in enumerate(first):
        if count:
            _schedule(due, i, count, intervals, rng.random())
    second = [due[i] if site.is_active(day) else 0 for i, day in enumerate(DATES)]
    return _VisitorStream(site, first, second)


def _meet_milestone(plan: list[int], visitors: Sequence[int], milestone: Milestone) -> None:
    """Rescale the plan from ``milestone.start`` to the day before ``reached_on`` so the
    subdistrict's doses (residents plus visitors) first reach the value on that day, when
    about 40% of its doses are given (Wanli's sprint was done at 11:18)."""
    start = (milestone.start - CAMPAIGN_START).days
    reached = (milestone.reached_on - CAMPAIGN_START).days
    that_day = plan[reached] + visitors[reached]
    before = milestone.value - math.ceil(0.4 * that_day) - sum(visitors[start:reached])
    if before <= 0 or reached <= start:
        raise ValueError(f"Cannot meet {milestone}: the days before it leave no room.")
    plan[start:reached] = _split(before, plan[start:reached], 0.5)


# ---------------------------------------------------------------------------------------
# Targets: the reports' figures, and others derived from what was generated
# ---------------------------------------------------------------------------------------

Period = tuple[date, date]


@dataclass(frozen=True)
class TargetSpec:
    """A target for the area with ``code``: a district ("310107"), a subdistrict
    ("310107-WL") or a committee ("310107-WL-07"), told apart by the code's parts."""

    name: str
    code: str
    period: Period
    metric: str
    value: int

    @property
    def level(self) -> str:
        return ("district", "subdistrict", "committee")[self.code.count("-")]


@dataclass
class GeneratedTotals:
    """What the simulation generated, summed: the basis of the derived targets (never read
    back from the database, so a user's edits cannot change them). Subdistrict figures are
    the doses given at its sites, non-residents included."""

    first_by_day: dict[str, list[int]] = field(default_factory=dict)  # subdistrict code
    second_by_day: dict[str, list[int]] = field(default_factory=dict)
    committee_months: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def between(self, codes: Sequence[str], period: Period, metric: str) -> int:
        """Doses counted by ``metric`` at the sites of the subdistricts ``codes``."""
        a, b = (period[0] - CAMPAIGN_START).days, (period[1] - CAMPAIGN_START).days + 1
        total = 0
        for code in codes:
            if metric in (Target.Metric.FIRST, Target.Metric.ALL_DOSES):
                total += sum(self.first_by_day[code][a:b])
            if metric in (Target.Metric.FULL_COURSE, Target.Metric.ALL_DOSES):
                total += sum(self.second_by_day[code][a:b])
        return total


def _month(month: int) -> Period:
    first = max(date(2021, month, 1), CAMPAIGN_START)
    last = date(2021, month + 1, 1) - timedelta(days=1)
    return first, last


def _round_target(value: float) -> int:
    step = 100 if value >= 2_000 else 10
    return max(step, round(value / step) * step)


ALL_DOSES, FIRST, FULL_COURSE = (
    Target.Metric.ALL_DOSES,
    Target.Metric.FIRST,
    Target.Metric.FULL_COURSE,
)
PHASE_ONE = (RESIDENTS_BOOKING, _d(4, 30))  # 第一阶段
# Targets of the demo's other places, set at 97-103% of what was generated.
DERIVED_TARGETS = (
    ("石门二路街道6月接种任务", SHIMEN_CODE, _month(6), ALL_DOSES),
    ("石门二路街道6月全程接种任务", SHIMEN_CODE, _month(6), FULL_COURSE),
    ("京广路街道5月第一剂次任务", JINGGUANG_CODE, _month(5), FIRST),
    ("五里堡街道5月接种任务", WULIBAO_CODE, _month(5), ALL_DOSES),
    ("五里堡街道6月第一剂次任务", WULIBAO_CODE, _month(6), FIRST),
    ("大学路街道5月接种任务", DAXUELU_CODE, _month(5), ALL_DOSES),
)
COMMITTEES_WITH_TARGETS = (1, 2, 7, 8, 9, 10)  # Wanli committees with a June first-dose target


def target_specs(districts: Sequence[DistrictSpec], totals: GeneratedTotals) -> list[TargetSpec]:
    """Wanli's monthly targets (April's is the report's 32,800), its first phase (reached on
    04-29 like April's) and its 1,500-dose sprint; Putuo's full-course target, 105% complete
    at the end; a few for Shimen Erlu, Erqi and Wanli committees. At city scale also April-June
    targets for each generated subdistrict and a full-course target per Shanghai district.
    Derived values are 97-103% of what was generated, so some are reached early, some missed.
    """
    rng = random.Random(f"{SEED}:targets")  # noqa: S311 - demo data, not secrets
    april, sprint = MILESTONES

    def near(actual: int) -> int:
        return _round_target(actual * rng.uniform(0.97, 1.03))

    specs = []
    for month in range(1, 7):
        name, period = f"万里街道{month}月接种任务", _month(month)
        value = april.value if month == 4 else near(totals.between([WANLI_CODE], period, ALL_DOSES))
        specs.append(TargetSpec(name, WANLI_CODE, period, ALL_DOSES, value))
    upto_28 = totals.between([WANLI_CODE], (PHASE_ONE[0], _d(4, 28)), ALL_DOSES)
    upto_29 = totals.between([WANLI_CODE], (PHASE_ONE[0], _d(4, 29)), ALL_DOSES)
    phase_value = max(upto_28 + 1, (upto_28 + upto_29) // 2 // 100 * 100)
    putuo_full = totals.between([s.code for s in PUTUO.subdistricts], CAMPAIGN, FULL_COURSE)
    specs += [
        TargetSpec("万里街道第一阶段接种任务", WANLI_CODE, PHASE_ONE, ALL_DOSES, phase_value),
        TargetSpec("万里街道三天冲刺任务", WANLI_CODE, SPRINT, ALL_DOSES, sprint.value),
        TargetSpec(
            "普陀区全程接种任务",
            PUTUO.code,
            CAMPAIGN,
            FULL_COURSE,
            _round_target(putuo_full / PUTUO_TARGET_COMPLETION),
        ),
    ]
    specs += [
        TargetSpec(name, code, period, metric, near(totals.between([code], period, metric)))
        for name, code, period, metric in DERIVED_TARGETS
    ]
    erqi_may = near(totals.between([s.code for s in ERQI.subdistricts], _month(5), ALL_DOSES))
    specs.append(TargetSpec("二七区5月接种任务", ERQI.code, _month(5), ALL_DOSES, erqi_may))
    for number in COMMITTEES_WITH_TARGETS:
        committee = WANLI_COMMITTEES[number - 1]
        name = f"{committee.name}6月第一剂次任务"
        june_firsts = totals.committee_months.get((committee.code, 6), [0, 0])[0]
        specs.append(TargetSpec(name, committee.code, _month(6), FIRST, near(june_firsts)))
    specs += _city_target_specs(districts, totals, rng)
    return specs


def _city_target_specs(
    districts: Sequence[DistrictSpec], totals: GeneratedTotals, rng: random.Random
) -> list[TargetSpec]:
    """April-June targets for every generated subdistrict; a full-course target, 97-108%
    complete, for every Shanghai district but Putuo (the demo has Putuo's)."""
    demo_subdistricts = {s.code for d in DEMO_DISTRICTS for s in d.subdistricts}
    specs = []
    for district in districts:
        generated = [s for s in district.subdistricts if s.code not in demo_subdistricts]
        if not generated:
            continue
        for subdistrict, month in itertools.product(generated, (4, 5, 6)):
            actual = totals.between([subdistrict.code], _month(month), ALL_DOSES)
            value = _round_target(actual * rng.uniform(0.97, 1.03))
            name = f"{subdistrict.name}{month}月接种任务"
            specs.append(TargetSpec(name, subdistrict.code, _month(month), ALL_DOSES, value))
        if district.code != PUTUO.code:
            codes = [s.code for s in district.subdistricts]
            value = _round_target(
                totals.between(codes, CAMPAIGN, FULL_COURSE) / rng.uniform(0.97, 1.08)
            )
            name = f"{district.name}全程接种任务"
            specs.append(TargetSpec(name, district.code, CAMPAIGN, FULL_COURSE, value))
    return specs


# ---------------------------------------------------------------------------------------
# Writing: insert what is missing by natural key, never update or delete
# ---------------------------------------------------------------------------------------

HISTORY_REASON = "演示数据"


@dataclass
class _Ids:
    districts: dict[str, int]
    subdistricts: dict[str, int]
    committees: dict[str, int]
    sites: dict[str, int]


def _insert_missing(
    model: type[Model], rows: Sequence[Any], result: DemoSeedResult, label: str
) -> dict[str, int]:
    """Insert the rows whose ``code`` is not stored yet (with a "created" history row
    each); return code -> id of every stored row of the model."""
    stored = set(model._default_manager.values_list("code", flat=True))
    missing = [row for row in rows if row.code not in stored]
    if missing:
        bulk_create_with_history(
            missing, model, batch_size=500, default_change_reason=HISTORY_REASON
        )
    result.count(label, created=len(missing), existing=len(rows) - len(missing))
    return dict(model._default_manager.values_list("code", "id"))


def _ensure_campaign(result: DemoSeedResult) -> Campaign:
    campaign = Campaign.objects.filter(name=CAMPAIGN_NAME).order_by("pk").first()
    if campaign is not None:
        result.count("campaigns", created=0, existing=1)
        return campaign
    campaign = Campaign(
        name=CAMPAIGN_NAME,
        start_date=CAMPAIGN_START,
        end_date=CAMPAIGN_END,
        doses_for_full_course=DOSES_FOR_FULL_COURSE,
    )
    campaign.full_clean()
    bulk_create_with_history([campaign], Campaign, default_change_reason=HISTORY_REASON)
    result.count("campaigns", created=1, existing=0)
    return Campaign.objects.get(name=CAMPAIGN_NAME)


def _ensure_areas_and_sites(districts: Sequence[DistrictSpec], result: DemoSeedResult) -> _Ids:
    district_ids = _insert_missing(
        District,
        [
            District(code=d.code, name=d.name, eligible_population=d.eligible_population)
            for d in districts
        ],
        result,
        "districts",
    )
    subdistrict_ids = _insert_missing(
        Subdistrict,
        [
            Subdistrict(
                code=s.code,
                name=s.name,
                eligible_population=s.eligible_population,
                district_id=district_ids[d.code],
            )
            for d in districts
            for s in d.subdistricts
        ],
        result,
        "subdistricts",
    )
    committee_ids = _insert_missing(
        Committee,
        [
            Committee(
                code=c.code,
                name=c.name,
                eligible_population=c.eligible_population,
                subdistrict_id=subdistrict_ids[s.code],
            )
            for d in districts
            for s in d.subdistricts
            for c in s.committees
        ],
        result,
        "committees",
    )
    site_ids = _insert_missing(
        Site,
        [
            Site(
                code=site.code,
                name=site.name,
                kind=site.kind,
                address=site.address,
                stations=site.stations,
                daily_capacity=site.daily_capacity,
                opens_at=site.hours[0] if site.hours else None,
                closes_at=site.hours[1] if site.hours else None,
                active_from=site.active_from,
                active_to=site.active_to,
                subdistrict_id=subdistrict_ids[s.code],
            )
            for d in districts
            for s in d.subdistricts
            for site in s.sites
        ],
        result,
        "sites",
    )
    return _Ids(district_ids, subdistrict_ids, committee_ids, site_ids)


def _ensure_users(ids: _Ids, result: DemoSeedResult) -> None:
    """One demo login per role. An existing user keeps its password and its scope."""
    user_model = get_user_model()
    areas = {
        StaffScope.Role.DISTRICT_LEADER: ("district", ids.districts),
        StaffScope.Role.SUBDISTRICT_STAFF: ("subdistrict", ids.subdistricts),
        StaffScope.Role.COMMITTEE_STAFF: ("committee", ids.committees),
    }
    names = {
        **{d.code: d.name for d in DEMO_DISTRICTS},
        **{s.code: s.name for d in DEMO_DISTRICTS for s in d.subdistricts},
        **{c.code: c.name for d in DEMO_DISTRICTS for s in d.subdistricts for c in s.committees},
    }
    for username, display_name, role, area_code, superuser in DEMO_USERS:
        user = user_model.objects.filter(username=username).first()
        is_new = user is None
        result.count("users", created=int(is_new), existing=int(not is_new))
        if user is None:
            user = user_model(
                username=username,
                first_name=display_name,
                is_staff=superuser,
                is_superuser=superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
        if not StaffScope.objects.filter(user=user).exists():
            scope = StaffScope(user=user, role=role)
            if role in areas:
                attribute, area_ids = areas[role]
                setattr(scope, f"{attribute}_id", area_ids[area_code])
            scope.full_clean()
            scope.save()
            result.count("staff scopes", created=1, existing=0)
        else:
            result.count("staff scopes", created=0, existing=1)
        result.logins.append(
            DemoLogin(
                username=username,
                password=DEMO_PASSWORD,
                role=str(StaffScope.Role(role).label),
                scope=names.get(area_code, "全部"),
                created=is_new,
            )
        )


def _ensure_tallies(
    districts: Sequence[DistrictSpec], ids: _Ids, result: DemoSeedResult, say: Progress
) -> GeneratedTotals:
    """Simulate every subdistrict day by day and insert each day's missing tallies in one
    transaction: memory holds one day, and an interrupted run is completed by the next."""
    simulations = [
        StreetSimulation(subdistrict, MILESTONES)
        for district in districts
        for subdistrict in district.subdistricts
    ]
    created = existing = 0
    for i, day in enumerate(DATES):
        rows = [row for simulation in simulations for row in simulation.day(i)]
        if day == DEMO_TODAY:
            rows = [row for row in rows if row[0] not in NOT_YET_REPORTED_ON_DEMO_TODAY]
        new, old = _insert_day(day, rows, ids)
        if new and result.first_new_tally_date is None:
            result.first_new_tally_date = day
        created += new
        existing += old
        reset_queries()  # with DEBUG on, Django keeps every query: the inserts are large
        if day.day == 1 or i == DAYS - 1:
            say(f"{day:%Y-%m-%d}: {created:,} tallies inserted, {existing:,} already there")
    result.count("tallies", created=created, existing=existing)
    totals = GeneratedTotals()
    for simulation in simulations:
        totals.first_by_day[simulation.spec.code] = simulation.first_by_day
        totals.second_by_day[simulation.spec.code] = simulation.second_by_day
        totals.committee_months.update(simulation.committee_months)
    return totals


def _insert_day(day: date, rows: Sequence[Row], ids: _Ids) -> tuple[int, int]:
    """Insert ``rows`` for ``day`` whose (site, committee, dose) is not stored yet."""
    with transaction.atomic():
        stored = set(
            DailyTally.objects.filter(date=day).values_list("site_id", "committee_id", "dose_kind")
        )
        sites, committees = ids.sites, ids.committees
        now = timezone.now()
        source = DailyTally.Source.IMPORT.value
        missing = []
        for site_code, committee_code, dose, count in rows:
            site_id = sites[site_code]
            committee_id = committees[committee_code] if committee_code else None
            if (site_id, committee_id, dose) in stored:
                continue
            # In the order of TALLY_COLUMNS: nobody entered them, version 1.
            missing.append((day, site_id, committee_id, dose, count, source, None, 1, now, now))
        # Plain rows (COPY on PostgreSQL): a city's 3.7 million tallies as model instances
        # were most of the seeding's minutes.
        add_rows(DailyTally, list(TALLY_COLUMNS), missing)
    return len(missing), len(rows) - len(missing)


def _ensure_targets(
    campaign: Campaign, specs: Sequence[TargetSpec], ids: _Ids, result: DemoSeedResult
) -> None:
    """Insert the targets whose name the campaign does not have yet."""
    stored = set(Target.objects.filter(campaign=campaign).values_list("name", flat=True))
    scope_ids = {
        "district": ids.districts,
        "subdistrict": ids.subdistricts,
        "committee": ids.committees,
    }
    missing = [
        Target(
            campaign=campaign,
            name=spec.name,
            period_start=spec.period[0],
            period_end=spec.period[1],
            metric=spec.metric,
            value=spec.value,
            **{f"{spec.level}_id": scope_ids[spec.level][spec.code]},
        )
        for spec in specs
        if spec.name not in stored
    ]
    if missing:
        bulk_create_with_history(
            missing, Target, batch_size=500, default_change_reason=HISTORY_REASON
        )
    result.count("targets", created=len(missing), existing=len(specs) - len(missing))


# ---------------------------------------------------------------------------------------
# Golden shield buildings (seed 000: "5月13日，首栋'金盾楼'诞生，全楼接种率达到77.6%")
#
# The report gives no building's name: the names, residents and counts below are
# invented around its one fact, 万里雅筑3号楼 reaching 97 of 125 residents (77.6%) on
# 05-13, the first building at or above the demo campaign's 75% threshold. 水泉路99弄 is
# where the mobile team went on 06-03. Written through campaign.services, so the demo
# obeys the same rules as a clerk; existing buildings and counts are left alone.
# ---------------------------------------------------------------------------------------

# (committee code, building, residents, address, ((date, vaccinated), ...))
DEMO_BUILDINGS = (
    (f"{WANLI_CODE}-07", "万里雅筑3号楼", 125, "",
     ((_d(4, 20), 61), (_d(5, 6), 88), (_d(5, 13), 97), (_d(6, 28), 108))),
    (f"{WANLI_CODE}-07", "万里雅筑1号楼", 140, "", ((_d(5, 13), 84), (_d(6, 28), 103))),
    (f"{WANLI_CODE}-07", "万里雅筑5号楼", 96, "", ((_d(5, 20), 70), (_d(6, 24), 74))),
    (f"{WANLI_CODE}-08", "中浩云2号楼", 160, "", ((_d(6, 25), 121),)),
    (f"{WANLI_CODE}-08", "中浩云6号楼", 150, "", ((_d(6, 25), 98),)),
    (f"{WANLI_CODE}-09", "水泉路99弄2号楼", 80, "水泉路99弄2号", ((_d(6, 3), 52), (_d(6, 10), 63))),
)  # fmt: skip


def _ensure_golden_shield_buildings(ids: _Ids, result: DemoSeedResult) -> None:
    buildings_created = counts_created = counts_existing = 0
    for committee_code, name, residents, address, counts in DEMO_BUILDINGS:
        committee_id = ids.committees.get(committee_code)
        if committee_id is None:
            continue
        building = Building.objects.filter(committee_id=committee_id, name=name).first()
        if building is None:
            building = building_create(
                committee=Committee.objects.get(pk=committee_id),
                name=name,
                residents=residents,
                address=address,
            )
            buildings_created += 1
        stored = set(BuildingCount.objects.filter(building=building).values_list("date", flat=True))
        for day, vaccinated in counts:
            if day in stored:
                counts_existing += 1
                continue
            building_count_record(building=building, on=day, vaccinated=vaccinated)
            counts_created += 1
    result.count(
        "buildings",
        created=buildings_created,
        existing=len(DEMO_BUILDINGS) - buildings_created,
    )
    result.count("building counts", created=counts_created, existing=counts_existing)


# Timeline notes (大事记) staff would have added: the days the Wanli report names. The
# automatic milestones (sites, targets, records, coverage) need no demo rows.
# ---------------------------------------------------------------------------------------

DEMO_TIMELINE_NOTES = (
    (WANLI_CODE, WHOLE_ORGANISATIONS, "整建制单位接种启动"),
    (WANLI_CODE, RESIDENTS_BOOKING, "居民预约渠道开通"),
    (WANLI_CODE, AGE_60_DRIVE, "60岁及以上人群开始登记预约"),
    (WANLI_CODE, AGE_76_DRIVE, "76岁及以上人群开始登记预约"),
    (WANLI_CODE, SPRINT[0], "三天冲刺开始：三天1,500剂"),
)
DEMO_TIMELINE_AUTHOR = "wanli_staff"


def _ensure_timeline_notes(ids: _Ids, result: DemoSeedResult) -> None:
    """Insert the notes of ``DEMO_TIMELINE_NOTES`` a subdistrict does not have yet (by day
    and text), written by its demo clerk; nothing when that user is gone."""
    author = get_user_model().objects.filter(username=DEMO_TIMELINE_AUTHOR).first()
    if author is None:
        return
    stored = set(
        MilestoneNote.objects.filter(subdistrict_id__in=ids.subdistricts.values()).values_list(
            "subdistrict_id", "date", "text"
        )
    )
    missing = []
    for code, day, text in DEMO_TIMELINE_NOTES:
        note = MilestoneNote(
            subdistrict_id=ids.subdistricts[code], date=day, text=text, written_by=author
        )
        if (note.subdistrict_id, day, text) not in stored:
            note.full_clean()
            missing.append(note)
    MilestoneNote.objects.bulk_create(missing)
    result.count(
        "timeline notes", created=len(missing), existing=len(DEMO_TIMELINE_NOTES) - len(missing)
    )


# Daily plans and mobile visits, for the capacity pages (seeds 000 and 002): every demo
# site's plan for the campaign's last two weeks, and Wanli's mobile team and bus visits.
# ---------------------------------------------------------------------------------------

DEMO_PLAN_WRITER = "admin"  # plans of past days are an administrator's to write
PLANS_FROM = _d(6, 17)  # plans of 06-17 .. 06-30: the page's "week" view has two of them
PLAN_LOOKBACK = 7  # a plan is made from the site's last week, as Wulibao's evening review did
SPRINT_PLAN_FACTOR = 1.2  # the three-day sprint was planned above the usual days
VISITS_FROM = _d(6, 27)  # Wanli's mobile visits: the last four days, plus the reports' two
NAMED_VISITS = (  # (day, site code, committee code or "", compound, note) from seed 000
    (_d(5, 8), "WL-M-BUS", "", "大华虎城园区", "首辆“移动疫苗接种车”开进大华虎城园区"),
    (_d(6, 3), "WL-M-01", f"{WANLI_CODE}-09", "水泉路99弄", "机动队送针上门进小区"),
)


def _ensure_plans_and_visits(ids: _Ids, result: DemoSeedResult) -> None:
    """Insert the missing plans and visits (by site and date; by site, date, committee and
    compound). Plans follow what each site gave in the week before, with some noise, so
    plan vs actual has both signs; the demo's unreported sites miss theirs on 06-30.
    Visits follow the simulation's mobile schedule, with the doses their tallies hold."""
    specs = {site.code: site for d in DEMO_DISTRICTS for s in d.subdistricts for site in s.sites}
    site_ids = {code: ids.sites[code] for code in specs}
    daily = {
        (site_id, day): doses
        for site_id, day, doses in DailyTally.objects.filter(
            site_id__in=site_ids.values(),
            date__range=(PLANS_FROM - timedelta(days=PLAN_LOOKBACK), CAMPAIGN_END),
        )
        .values_list("site_id", "date")
        .annotate(doses=Sum("count"))
        .order_by()
    }
    plans = []
    for code, spec in specs.items():
        rng = random.Random(f"{SEED}:{code}:plans")  # noqa: S311 - demo data, not secrets
        for n in range((CAMPAIGN_END - PLANS_FROM).days + 1):
            day = PLANS_FROM + timedelta(days=n)
            week = [daily.get((site_ids[code], day - timedelta(days=k)), 0) for k in range(1, 8)]
            usual = sum(week) / PLAN_LOOKBACK * rng.uniform(0.9, 1.15)
            if SPRINT[0] <= day <= SPRINT[1]:
                usual *= SPRINT_PLAN_FACTOR
            if spec.is_active(day) and usual >= 5:
                plans.append((site_ids[code], day, max(10, round(usual / 10) * 10)))
    writer = get_user_model().objects.filter(username=DEMO_PLAN_WRITER).first()
    if writer is None:
        return
    stored = set(SitePlan.objects.values_list("site_id", "date"))
    missing = [
        PlanCell(site_id=site_id, date=day, planned_doses=value)
        for site_id, day, value in plans
        if (site_id, day) not in stored
    ]
    if missing:  # the service's rules: open days, in the campaign, one plan a cell
        site_plans_set(user=writer, cells=missing)
    result.count("plans", created=len(missing), existing=len(plans) - len(missing))
    _ensure_wanli_visits(ids, writer, result)


def _ensure_wanli_visits(ids: _Ids, writer, result: DemoSeedResult) -> None:
    wanli = next(s for s in PUTUO.subdistricts if s.code == WANLI_CODE)
    schedule = StreetSimulation(wanli, MILESTONES).visits  # day index -> committee -> site
    wanted = list(NAMED_VISITS)
    for n in range((CAMPAIGN_END - VISITS_FROM).days + 1):
        day = VISITS_FROM + timedelta(days=n)
        for committee, site in sorted(schedule.get((day - CAMPAIGN_START).days, {}).items()):
            wanted.append((day, site, committee, "", ""))
    doses = {
        (day, site_id, committee_id): total
        for day, site_id, committee_id, total in DailyTally.objects.filter(
            site_id__in={ids.sites[site] for _day, site, *_rest in wanted},
            date__in={day for day, *_rest in wanted},
        )
        .values_list("date", "site_id", "committee_id")
        .annotate(total=Sum("count"))
        .order_by()
    }
    wanted = [visit for visit in wanted if visit[0] <= today()]  # none recorded ahead
    stored = set(MobileVisit.objects.values_list("site_id", "date", "committee_id", "compound"))
    sites = Site.objects.in_bulk({ids.sites[site] for _day, site, *_rest in wanted})
    committees = Committee.objects.in_bulk(
        {ids.committees[code] for _d, _s, code, *_r in wanted if code}
    )
    created = 0
    for day, site, committee, compound, note in wanted:
        site_id, committee_id = ids.sites[site], ids.committees.get(committee)
        if (site_id, day, committee_id, compound) in stored:
            continue
        mobile_visit_record(  # the service's rules: a mobile team, open, not ahead of today
            user=writer,
            site=sites[site_id],
            on=day,
            committee=committees.get(committee_id),
            compound=compound,
            doses=doses.get((day, site_id, committee_id)),
            note=note,
        )
        created += 1
    result.count("mobile visits", created=created, existing=len(wanted) - created)
