"""The demo's places, calendar and logins, copied from four 2021 newspaper reports
(see ``demo.seed``): plain data and the shapes that hold it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from campaign.models import (
    StaffScope,
)

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
