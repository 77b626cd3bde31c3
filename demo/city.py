"""The city generator: a Shanghai-sized city around the demo's places, for benchmarks
(``seed_demo --scale city``). Places only: the tallies come from ``demo.simulation``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from demo.places import (
    AGE_60_DRIVE,
    CAMPAIGN_START,
    DEMO_DISTRICTS,
    ERQI,
    JINGAN,
    PUTUO,
    RESIDENTS_BOOKING,
    SEED,
    TEMPORARY_SITES_CLOSE,
    CommitteeSpec,
    DistrictSpec,
    SiteSpec,
    SubdistrictSpec,
    Visitors,
    _d,
)
from demo.simulation import _split

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
