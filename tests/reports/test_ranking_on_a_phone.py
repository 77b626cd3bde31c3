"""The ranking a district leader reads on a phone: pages instead of one long table, a
search that keeps each committee's rank in the area, the subdistricts ranked too, a
chart of the top and the bottom that says so, "–" for a committee without a target, and
one rounding for the table, the chart and the bulletin."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.areas import Area
from campaign.request_params import page_param, search_param
from reports.presentation.bulletin_image import _pct
from reports.presentation.figures import one_decimal
from reports.selectors.ranking import subdistrict_ranking
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
DAY1, DAY2 = datetime.date(2021, 4, 28), datetime.date(2021, 4, 29)


@pytest.fixture
def district_ranked(settings, district, subdistrict):
    """Twelve committees of 普陀区: 万里街道's eight (万里01 first … 万里08), 长风街道's
    four (长风01 … 长风04), each of 2,000 residents, first-dose coverage falling by the
    number. 长风街道 led yesterday; today 万里街道 does. Two committees have targets."""
    settings.STREETVAX_DEMO_DATE = DAY2
    campaign = CampaignFactory(start_date=DAY1)
    changfeng = SubdistrictFactory(
        district=district, code="310107-CF", name="长风街道", eligible_population=10_000
    )
    subdistrict.eligible_population = 16_000
    subdistrict.save()
    committees = {}
    for number in range(1, 9):
        committees[f"万里{number:02d}"] = CommitteeFactory(
            subdistrict=subdistrict,
            code=f"WL-{number:02d}",
            name=f"万里{number:02d}居民区",
            eligible_population=2000,
        )
    for number in range(1, 5):
        committees[f"长风{number:02d}"] = CommitteeFactory(
            subdistrict=changfeng,
            code=f"CF-{number:02d}",
            name=f"长风{number:02d}居民区",
            eligible_population=2000,
        )
    wanli_site, changfeng_site = (
        SiteFactory(subdistrict=subdistrict),
        SiteFactory(subdistrict=changfeng),
    )
    # Today's first-dose coverage: 万里01 87.35% (1,747 of 2,000), then 5 points less each
    # (万里08 52.4%); 长风 below all of them, 40% to 25%. Yesterday 长风 had given more.
    today_first = {
        **{f"万里{n:02d}": 1747 - 100 * (n - 1) for n in range(1, 8)},
        "万里08": 1048,
        **{f"长风{n:02d}": 900 - 100 * n for n in range(1, 5)},
    }
    rows = []
    for key, committee in committees.items():
        site = wanli_site if key.startswith("万里") else changfeng_site
        yesterday = 10 if key.startswith("万里") else 400
        rows.append((DAY1, site, committee, yesterday))
        rows.append((DAY2, site, committee, today_first[key] - yesterday))
    DailyTally.objects.bulk_create(
        DailyTally(date=d, site=s, committee=c, dose_kind="first", count=n, source="import")
        for d, s, c, n in rows
    )
    for key, value in (("万里05", 1000), ("长风02", 1000)):
        TargetFactory(
            campaign=campaign,
            subdistrict=None,
            committee=committees[key],
            name=f"{key}四月目标",
            value=value,
            period_start=datetime.date(2021, 4, 1),
            period_end=datetime.date(2021, 4, 30),
        )
    snapshots_rebuild(start=DAY1)
    return {"changfeng": changfeng, "committees": committees}


def ranking(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("reports:ranking"), params)
    assert response.status_code == 200
    return response.content.decode()


def table_rows(html: str) -> list[tuple[str, str, str]]:
    """(rank, name, ranked figure) of each row of the ranking table."""
    body = html.split('<table class="ranking">', 1)[1].split("</table>", 1)[0]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        rank = re.search(r'<td class="num rank">\s*([^<\s]+)', row).group(1)
        name = re.sub(r"<[^>]+>", "", re.search(r'<td class="name">(.*?)</td>', row, re.S)[1])
        figure = re.search(r'<td class="num figure">(.*?)</td>', row, re.S)[1]
        found.append((rank, name.strip(), re.sub(r"<[^>]+>", "", figure).strip()))
    return found


def chart(html: str) -> dict:
    return json.loads(html.split('id="ranking-data" type="application/json">', 1)[1].split("<")[0])


def test_a_district_ranking_is_paged_and_every_page_links_on(
    client, district_leader, district_ranked, monkeypatch
):
    monkeypatch.setattr("reports.views.ranking.RANKING_PAGE_SIZE", 5)
    first = ranking(client, district_leader)
    assert [row[:2] for row in table_rows(first)] == [
        (str(n), f"万里{n:02d}居民区") for n in range(1, 6)
    ]
    assert "第 1–5 个，共 12 个居委" in first
    assert "第 1 / 3 页" in first
    assert "page=2" in first
    assert "下一页" in first
    assert "上一页" not in first

    last = ranking(client, district_leader, page="3")
    assert [row[:2] for row in table_rows(last)] == [("11", "长风03居民区"), ("12", "长风04居民区")]
    assert "上一页" in last
    assert "下一页" not in last
    # A page past the end shows the last one; anything that is not a page, the first.
    assert table_rows(ranking(client, district_leader, page="99")) == table_rows(last)
    for typed in ("abc", "-1", "0", "１２", "9" * 5000):
        assert table_rows(ranking(client, district_leader, page=typed))[0][1] == "万里01居民区"


def test_a_search_finds_committees_by_name_or_code_with_their_rank_in_the_area(
    client, district_leader, district_ranked
):
    assert table_rows(ranking(client, district_leader, q="长风02")) == [
        ("10", "长风02居民区", "35.0%")
    ]
    by_code = table_rows(ranking(client, district_leader, q="wl-07"))
    assert by_code == [("7", "万里07居民区", "57.4%")]
    assert [row[0] for row in table_rows(ranking(client, district_leader, q="长风"))] == [
        "9",
        "10",
        "11",
        "12",
    ]
    nothing = ranking(client, district_leader, q="<b>浦东</b>")
    assert "没有名称或编码含“&lt;b&gt;浦东&lt;/b&gt;”的居委。" in nothing
    assert "<b>浦东" not in nothing


def test_the_subdistricts_of_a_district_are_ranked_in_one_query(
    client, district_leader, district_ranked, subdistrict
):
    area = Area(subdistrict.district)
    with CaptureQueriesContext(connection) as queries:
        rows = subdistrict_ranking(area, on=DAY2, metric="first_coverage")
    assert len(queries.captured_queries) == 1
    assert [(row["rank"], row["name"]) for row in rows] == [(1, "万里街道"), (2, "长风街道")]
    # 长风街道 led yesterday: 万里街道 moved up one place, 长风街道 down one.
    assert [row["change"] for row in rows] == [1, -1]

    html = ranking(client, district_leader, by="subdistrict")
    assert table_rows(html) == [
        ("1", "万里街道", "69.9%"),  # 11,177 of 16,000
        ("2", "长风街道", "26.0%"),  # 2,600 of 10,000
    ]
    assert "▲1" in html
    assert "▼1" in html
    assert chart(html)["caption"] == "全部 2 个街道，按第一剂接种率排名"
    # A subdistrict's name leads to its own committees' ranking.
    assert f"area=subdistrict:{district_ranked['changfeng'].pk}" in html


def test_a_subdistrict_has_no_subdistrict_ranking(client, subdistrict_staff, district_ranked):
    html = ranking(client, subdistrict_staff, by="subdistrict")
    assert "按街道" not in html
    assert [row[1] for row in table_rows(html)][:2] == ["万里01居民区", "万里02居民区"]


def test_the_chart_shows_the_top_and_the_bottom_and_says_so(
    client, district_leader, district_ranked, monkeypatch
):
    monkeypatch.setattr("reports.views.ranking.CHART_EACH_END", 3)
    html = ranking(client, district_leader)
    data = chart(html)
    assert data["caption"] == "前 3 名与后 3 名，按第一剂接种率排名"
    assert data["names"] == [
        "万里01居民区",
        "万里02居民区",
        "万里03居民区",
        "…",
        "长风02居民区",
        "长风03居民区",
        "长风04居民区",
    ]
    assert data["ranks"] == [1, 2, 3, None, 10, 11, 12]
    assert data["values"][3] is None  # the gap is not a bar
    # The table comes before the chart.
    assert html.index('<table class="ranking">') < html.index('id="ranking-chart"')


def test_one_rounding_in_the_table_the_chart_and_the_bulletin(
    client, district_leader, district_ranked
):
    html = ranking(client, district_leader)
    assert table_rows(html)[0] == ("1", "万里01居民区", "87.4%")  # 1,747 of 2,000: 87.35%
    assert chart(html)["values"][0] == 87.4
    assert one_decimal(72.05) == 72.1
    assert one_decimal(87.349) == 87.3
    assert _pct(87.35) == "87.4%"  # the bulletin's image


def test_a_committee_without_a_target_is_a_dash_and_not_drawn(
    client, district_leader, district_ranked
):
    html = ranking(client, district_leader, sort="target_percent")
    rows = table_rows(html)
    # 万里05: 1,347 of 1,000 (134.7%); 长风02: 700 of 1,000 (70.0%); the rest have none.
    assert rows[:2] == [("1", "万里05居民区", "134.7%"), ("2", "长风02居民区", "70.0%")]
    assert {(rank, figure) for rank, _name, figure in rows[2:]} == {("–", "–")}
    data = chart(html)
    assert data["names"] == ["万里05居民区", "长风02居民区"]
    assert data["ranks"] == [1, 2]
    assert data["values"] == [134.7, 70.0]
    assert data["caption"] == "全部 2 个居委，按目标完成率排名；没有目标的不画出"


def test_each_page_and_search_is_rendered_once_then_served_from_the_cache(
    client, district_leader, district_ranked, monkeypatch
):
    monkeypatch.setattr("reports.views.ranking.RANKING_PAGE_SIZE", 5)
    pages = {}
    for query in ({}, {"page": "2"}, {"q": "长风"}, {"by": "subdistrict"}):
        pages[str(query)] = table_rows(ranking(client, district_leader, **query))
        with CaptureQueriesContext(connection) as again:
            assert table_rows(ranking(client, district_leader, **query)) == pages[str(query)]
        assert not [q for q in again.captured_queries if "RANK()" in q["sql"]], query
    assert len({str(rows) for rows in pages.values()}) == 4  # no page shows another's


def test_the_ranked_figure_comes_right_after_the_name_and_the_rest_on_demand(
    client, district_leader, district_ranked
):
    html = ranking(client, district_leader, sort="doses_today")
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    headers = re.findall(r'<th(?: class="([^"]*)")?>([^<]*)</th>', head)
    assert headers[:3] == [("num", "名次"), ("", "居委"), ("num figure", "当日")]
    assert {cls for cls, _text in headers[3:]} == {"more", "num more"}
    assert [text for _cls, text in headers[3:]] == ["街道", "第一剂接种率", "全程接种率", "目标"]
    assert "更多列" in html


def test_page_and_search_parameters():
    from django.http import QueryDict

    assert page_param(QueryDict("page=3")) == 3
    assert [page_param(QueryDict(f"page={v}")) for v in ("", "0", "x", "1234567")] == [1] * 4
    assert search_param(QueryDict("q=%20万里%00%E2%80%AE01%20")) == "万里01"
    assert len(search_param(QueryDict("q=" + "字" * 100))) == 40
