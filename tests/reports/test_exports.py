"""Exports as a user gets them: files that open in Excel in Chinese, hold only what the user
may see, match the pages, and never carry a formula."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.presentation.exports import neutralise, to_csv, to_xlsx
from reports.selectors import exports
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from sites.resources import column_for
from sites.services.imports import check_file
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2021, 6, 30)
YESTERDAY = TODAY - datetime.timedelta(days=1)
SAVED_UTC = datetime.datetime(2021, 6, 30, 2, 5, 9, tzinfo=datetime.UTC)  # 10:05:09 in Shanghai
BOM = b"\xef\xbb\xbf"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "<script>alert(1)</script>",
]
# The headers the tally import reads, by column of the export (the names in between are
# translated with gettext).
IMPORT_HEADERS_ZH = {0: "接种日期", 1: "接种点编码", 3: "居委编码", 5: "剂次", 6: "接种数"}


def tally_rows(rows):
    DailyTally.objects.bulk_create(
        DailyTally(
            date=day,
            site=site,
            committee=committee,
            dose_kind=kind,
            count=count,
            source="entry" if user else "import",
            entered_by=user,
        )
        for day, site, committee, kind, count, user in rows
    )
    DailyTally.objects.update(updated_at=SAVED_UTC)


@pytest.fixture
def places(settings, district, subdistrict, committee):
    """万里 (the staff's subdistrict), 长风 in the same district, 五里堡 in another one."""
    settings.STREETVAX_DEMO_DATE = TODAY
    sister = SubdistrictFactory(district=district, code="310107-CF", name="长风新村街道")
    far = SubdistrictFactory(
        district=DistrictFactory(code="410103", name="二七区"), code="410103-WLB", name="五里堡街道"
    )
    return {
        "site": SiteFactory(subdistrict=subdistrict, code="WL-T-XZ", name="上海西站临时接种点"),
        "neighbour": CommitteeFactory(
            subdistrict=subdistrict, code="310107-WL-02", name="中浩云居民区"
        ),
        "sister_site": SiteFactory(subdistrict=sister, code="CF-01", name="长风接种点"),
        "sister_committee": CommitteeFactory(subdistrict=sister, name="长风一村居委"),
        "far_site": SiteFactory(subdistrict=far, code="WLB-01", name="五里堡接种点"),
        "far_committee": CommitteeFactory(subdistrict=far, name="五里堡社区"),
    }


@pytest.fixture
def tallies(places, committee, subdistrict_staff):
    site = places["site"]
    tally_rows(
        [
            (TODAY, site, None, "booster", 3, None),
            (TODAY, site, places["neighbour"], "second", 7, subdistrict_staff),
            (TODAY, site, committee, "first", 12, subdistrict_staff),
            (TODAY - datetime.timedelta(days=10), site, committee, "first", 40, subdistrict_staff),
            (TODAY, places["sister_site"], places["sister_committee"], "first", 5, None),
            (TODAY, places["far_site"], places["far_committee"], "first", 50, None),
        ]
    )
    return places


def download(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title in {"tallies", "ranking", "targets"}
    return list(sheet.iter_rows())


def assert_no_formula(cells):
    for cell in cells:
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert cell.data_type == "s", cell.coordinate
            assert not cell.value.startswith(TRIGGERS), (cell.coordinate, cell.value)


# The neutralising function and the writers -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-东片", "'-东片"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\0=1", "'\0=1"),
        # Spreadsheets skip what comes before the sign; full-width signs read as ASCII ones.
        (" =1+1", "' =1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("\u3000 @SUM(A1)", "'\u3000 @SUM(A1)"),
        ("\u200b\u202e+1", "'\u200b\u202e+1"),
        ("\x01-2", "'\x01-2"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("－东片", "'－东片"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("  东片=1", "  东片=1"),
        ("   ", "   "),
        ("东片=1", "东片=1"),
        ("'=1", "'=1"),
        ("", ""),
        (None, None),
        (-5, -5),
        (12.5, 12.5),
        (TODAY, TODAY),
    ],
)
def test_neutralise_quotes_formula_text_and_leaves_numbers(value, expected):
    assert neutralise(value) == expected


def test_csv_writer_quotes_formula_text_and_keeps_numbers_plain():
    data = to_csv(["名称", "数"], [("=1+1", 3), ("-东片", 2.5), (None, TODAY)])
    assert data.startswith(BOM)
    assert data.decode("utf-8-sig").splitlines() == [
        "名称,数",
        "'=1+1,3",
        "'-东片,2.5",
        ",2021-06-30",
    ]


# Each reaches a spreadsheet as a formula unless quoted (issue 17, item 10).
DISGUISED = [" =1+1", "\n=1+1", "\r\n@SUM(A1)", "\u200f=1"]
DISGUISED += ["＝1+1", "＋1", "－1", "＠SUM(A1)", " ＝1"]


def test_csv_writer_quotes_formulas_behind_spaces_controls_and_full_width_signs():
    data = to_csv(["名称"], [(text,) for text in DISGUISED])
    _header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    assert [row[0] for row in rows] == ["'" + text for text in DISGUISED]


def test_xlsx_writer_quotes_formulas_behind_spaces_controls_and_full_width_signs():
    data = to_xlsx(["名称"], [(text,) for text in DISGUISED])
    _header, *rows = load_workbook(io.BytesIO(data)).active.iter_rows()
    assert_no_formula(row[0] for row in rows)
    assert all(row[0].value.startswith("'") for row in rows), [row[0].value for row in rows]
    assert rows[4][0].value == "'＝1+1"


def test_xlsx_writer_writes_text_as_text_and_numbers_as_numbers():
    data = to_xlsx(["名称", "数"], [("=1+1", 3), ("\x01=SUM(A1)", 2.5), ("东片", TODAY)])
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows())
    assert_no_formula(cell for row in rows for cell in row)
    assert [[cell.value for cell in row] for row in rows[:3]] == [
        ["名称", "数"],
        ["'=1+1", 3],
        ["'=SUM(A1)", 2.5],  # a control character XML cannot hold is dropped, then quoted
    ]
    assert rows[1][1].data_type == "n"
    assert rows[3][0].value == "东片"
    assert rows[3][1].is_date
    assert rows[3][1].value.date() == TODAY


# Tallies -----------------------------------------------------------------------------------


def test_tally_csv_opens_in_chinese_with_import_headers(client, subdistrict_staff, tallies):
    response = download(client, subdistrict_staff, "reports:export_tallies")
    assert response["Content-Disposition"] == (
        'attachment; filename="tallies-2021-06-24-2021-06-30.csv"'
    )
    header, *rows = read_csv(response)
    assert {column: header[column] for column in IMPORT_HEADERS_ZH} == IMPORT_HEADERS_ZH
    assert header[7:] == ["来源", "录入人", "保存时间"]
    assert rows == [
        [
            "2021-06-30",
            "WL-T-XZ",
            "上海西站临时接种点",
            "310107-WL-01",
            "万里雅筑居民区",
            "第一剂",
            "12",
            "网页录入",
            "clerk",
            "2021-06-30 10:05:09",
        ],
        [
            "2021-06-30",
            "WL-T-XZ",
            "上海西站临时接种点",
            "310107-WL-02",
            "中浩云居民区",
            "第二剂",
            "7",
            "网页录入",
            "clerk",
            "2021-06-30 10:05:09",
        ],
        [
            "2021-06-30",
            "WL-T-XZ",
            "上海西站临时接种点",
            "",
            "非本街道居民",
            "加强针",
            "3",
            "文件导入",
            "",
            "2021-06-30 10:05:09",
        ],
    ]


def test_tally_export_in_english_uses_english_import_headers(client, subdistrict_staff, tallies):
    client.cookies["django_language"] = "en"
    header, first, *_rest = read_csv(download(client, subdistrict_staff, "reports:export_tallies"))
    assert header == [
        "date",
        "site_code",
        "site name",
        "committee_code",
        "committee name",
        "dose",
        "count",
        "source",
        "entered by",
        "saved at",
    ]
    assert first[5:8] == ["first", "12", "browser entry"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_exported_tally_file_passes_the_import_check(
    client, subdistrict_staff, tallies, committee, language
):
    """Export, then check the file as the tally import would: every row is read back."""
    CampaignFactory()
    client.cookies["django_language"] = language
    response = download(
        client, subdistrict_staff, "reports:export_tallies", **{"from": "2021-06-01"}
    )
    header = read_csv(response)[0]
    assert [column_for(name) for name in header] == [
        "date",
        "site_code",
        None,
        "committee_code",
        None,
        "dose",
        "count",
        None,
        None,
        None,
    ]
    checked = check_file(user=subdistrict_staff, content=response.content)
    assert checked.errors == []
    assert {
        (cell.date, cell.committee_id, cell.dose_kind, cell.count) for cell in checked.cells
    } == {
        (datetime.date(2021, 6, 20), committee.pk, "first", 40),
        (TODAY, committee.pk, "first", 12),
        (TODAY, tallies["neighbour"].pk, "second", 7),
        (TODAY, None, "booster", 3),
    }
    assert checked.unchanged == 4


def test_tally_xlsx_keeps_dates_and_counts_as_values(client, subdistrict_staff, tallies):
    response = download(client, subdistrict_staff, "reports:export_tallies", format="xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="tallies-2021-06-24-2021-06-30.xlsx"'
    )
    header, *rows = read_xlsx(response)
    assert {column: header[column].value for column in IMPORT_HEADERS_ZH} == IMPORT_HEADERS_ZH
    assert [row[6].value for row in rows] == [12, 7, 3]
    assert all(row[6].data_type == "n" for row in rows)
    assert rows[0][0].value.date() == TODAY
    # Excel has no time zones: the time of the save as read in Shanghai.
    assert rows[0][9].value.isoformat(sep=" ") == "2021-06-30 10:05:09"
    assert rows[2][4].value == "非本街道居民"


def test_tally_period_and_site_filters(client, subdistrict_staff, tallies):
    response = download(
        client,
        subdistrict_staff,
        "reports:export_tallies",
        **{"from": "2021-06-01", "to": "2021-06-29", "site": tallies["site"].pk},
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="tallies-WL-T-XZ-2021-06-01-2021-06-29.csv"'
    )
    _header, *rows = read_csv(response)
    assert [(row[0], row[6]) for row in rows] == [("2021-06-20", "40")]


@pytest.mark.parametrize(
    ("user_fixture", "sites"),
    [
        ("subdistrict_staff", {"WL-T-XZ"}),
        ("committee_staff", {"WL-T-XZ"}),
        ("district_leader", {"WL-T-XZ", "CF-01"}),
        ("administrator", {"WL-T-XZ", "CF-01", "WLB-01"}),
    ],
)
def test_tallies_are_scoped_to_the_user(client, request, tallies, user_fixture, sites):
    user = request.getfixturevalue(user_fixture)
    _header, *rows = read_csv(download(client, user, "reports:export_tallies"))
    assert {row[1] for row in rows} == sites


def test_anonymous_visitors_are_sent_to_login(client, tallies):
    for name in ["reports:export_tallies", "reports:export_ranking", "reports:export_targets"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", ["reports:export_tallies", "reports:export_ranking", "reports:export_targets"]
)
def test_a_user_without_scope_gets_404(client, tallies, name):
    assert download(client, UserFactory(username="nobody"), name).status_code == 404


@pytest.mark.parametrize("site", ["far_site", "sister_site"])
def test_a_site_outside_the_scope_is_404(client, subdistrict_staff, tallies, site):
    response = download(client, subdistrict_staff, "reports:export_tallies", site=tallies[site].pk)
    assert response.status_code == 404


def test_an_empty_site_means_every_site(client, subdistrict_staff, tallies):
    _header, *rows = read_csv(
        download(client, subdistrict_staff, "reports:export_tallies", site="")
    )
    assert len(rows) == 3


@pytest.mark.parametrize("params", [{"site": "abc"}, {"format": "pdf"}])
def test_a_malformed_site_or_format_is_404(client, subdistrict_staff, tallies, params):
    assert (
        download(client, subdistrict_staff, "reports:export_tallies", **params).status_code == 404
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2021-13-01"}, "2021-13-01 is not a date: write it as YYYY-MM-DD"),
        ({"to": "yesterday"}, "yesterday is not a date"),
        ({"from": "2021-06-30", "to": "2021-06-01"}, "The start date must not be after"),
    ],
)
def test_a_bad_period_says_what_is_wrong(client, subdistrict_staff, tallies, params, message):
    client.cookies["django_language"] = "en"
    response = download(client, subdistrict_staff, "reports:export_tallies", **params)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows_asks_for_a_shorter_period(
    client, subdistrict_staff, tallies, monkeypatch, kind
):
    monkeypatch.setitem(exports.ROW_LIMITS, kind, 2)
    client.cookies["django_language"] = "en"
    response = download(client, subdistrict_staff, "reports:export_tallies", format=kind)
    assert response.status_code == 400
    assert "More than 2 tallies match: choose a shorter period or one site." in (
        response.content.decode()
    )
    monkeypatch.setitem(exports.ROW_LIMITS, kind, 3)
    assert client.get(reverse("reports:export_tallies"), {"format": kind}).status_code == 200


@pytest.mark.parametrize("where", ["committee", "site"])
def test_hostile_names_come_out_as_text(client, subdistrict_staff, places, where):
    targets = []
    for n, name in enumerate(HOSTILE):
        if where == "committee":
            owner = CommitteeFactory(subdistrict=places["site"].subdistrict, name=name)
            targets.append((places["site"], owner))
        else:
            owner = SiteFactory(subdistrict=places["site"].subdistrict, name=name, code=f"H{n}")
            targets.append((owner, places["neighbour"]))
    tally_rows([(TODAY, site, committee, "first", 1, None) for site, committee in targets])
    column = 4 if where == "committee" else 2
    expected = {f"'{name}" if name.startswith(TRIGGERS) else name for name in HOSTILE}

    _header, *rows = read_csv(download(client, subdistrict_staff, "reports:export_tallies"))
    assert {row[column] for row in rows} == expected
    assert "<script>alert(1)</script>" in expected  # not a spreadsheet threat: left as it is

    response = client.get(reverse("reports:export_tallies"), {"format": "xlsx"})
    _header, *rows = read_xlsx(response)
    assert_no_formula(cell for row in rows for cell in row)
    assert {row[column].value for row in rows} == expected


def test_tally_export_query_count_does_not_grow_with_rows(
    client, administrator, tallies, django_assert_max_num_queries
):
    client.force_login(administrator)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("reports:export_tallies"), {"format": "xlsx"})
    more = [CommitteeFactory(subdistrict=tallies["site"].subdistrict) for _ in range(20)]
    tally_rows(
        [
            (TODAY - datetime.timedelta(days=day), tallies["site"], committee, kind, 2, None)
            for committee in more
            for day in range(3)
            for kind in ["first", "second"]
        ]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reports:export_tallies"), {"format": "xlsx"})
    assert len(read_xlsx(response)) > 120


# Ranking and targets -----------------------------------------------------------------------


@pytest.fixture
def ranked(settings, places, committee, subdistrict):
    """万里雅筑 leads on first doses, 中浩云 on the full course; a committee with a hostile
    name; a target reached early at 109%."""
    settings.STREETVAX_DEMO_DATE = TODAY
    campaign = CampaignFactory(start_date=YESTERDAY)
    site, zhonghao = places["site"], places["neighbour"]
    hostile = CommitteeFactory(subdistrict=subdistrict, code="WL-03", name="=1+2")
    tally_rows(
        [
            (YESTERDAY, site, committee, "first", 600, None),
            (YESTERDAY, site, zhonghao, "first", 100, None),
            (TODAY, site, zhonghao, "first", 300, None),
            (TODAY, site, zhonghao, "second", 90, None),
            (TODAY, site, hostile, "first", 10, None),
            (TODAY, places["far_site"], places["far_committee"], "first", 50, None),
        ]
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=subdistrict,
        name="6月接种目标",
        value=1000,
        period_start=datetime.date(2021, 6, 1),
        period_end=TODAY,
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=places["far_site"].subdistrict,
        name="二七区目标",
        value=1000,
        period_start=datetime.date(2021, 6, 1),
        period_end=TODAY,
    )
    snapshots_rebuild(start=YESTERDAY)
    return campaign


@pytest.mark.parametrize(
    ("user_fixture", "params"),
    [
        ("subdistrict_staff", {}),
        ("subdistrict_staff", {"sort": "full_course_coverage"}),
        ("subdistrict_staff", {"sort": "doses_today", "date": "2021-06-29"}),
        ("district_leader", {}),
        ("district_leader", {"sort": "target_percent"}),
    ],
)
def test_ranking_export_matches_the_page(client, request, ranked, user_fixture, params):
    user = request.getfixturevalue(user_fixture)
    page = download(client, user, "reports:ranking", **params)
    if user_fixture == "district_leader":
        params = {**params, "area": page.context["area"].key}
    shown = [
        (str(row.rank), row.committee.code, row.committee.name, str(row.doses_today))
        for row in page.context["table"]["rows"]
    ]
    assert shown
    _header, *rows = read_csv(client.get(reverse("reports:export_ranking"), params))
    assert [(row[0], row[1], row[2], row[4]) for row in rows] == [
        (rank, code, neutralise(name), doses) for rank, code, name, doses in shown
    ]


def test_ranking_export_has_coverage_and_rank_change(client, subdistrict_staff, ranked):
    response = download(client, subdistrict_staff, "reports:export_ranking", format="xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="ranking-310107-WL-2021-06-30.xlsx"'
    )
    header, *rows = read_xlsx(response)
    assert [cell.value for cell in header] == [
        "名次",
        "居委编码",
        "居委",
        "街道",
        "当日接种数",
        "累计第一剂",
        "第一剂接种率（%）",
        "全程接种率（%）",
        "街道内名次变化",
        "目标完成率（%）",
    ]
    assert_no_formula(cell for row in rows for cell in row)
    assert [[cell.value for cell in row] for row in rows] == [
        # 600 of 2,400 first doses: 25 %; first yesterday and today, so no rank change.
        [1, "310107-WL-01", "万里雅筑居民区", "万里街道", 0, 600, 25.0, 0.0, 0, None],
        # 400 first and 90 second doses of 2,400, 390 of them today.
        [2, "310107-WL-02", "中浩云居民区", "万里街道", 390, 400, 16.67, 3.75, 0, None],
        [3, "WL-03", "'=1+2", "万里街道", 10, 10, 0.42, 0.0, 0, None],
    ]


def test_ranking_export_area_outside_scope_answers_404_like_the_page(
    client, district_leader, ranked, places
):
    foreign = f"subdistrict:{places['far_site'].subdistrict_id}"
    client.force_login(district_leader)
    response = client.get(reverse("reports:export_ranking"), {"area": foreign})
    assert response.status_code == 404


def test_target_export_shows_percent_over_100_and_reached_day(client, subdistrict_staff, ranked):
    response = download(client, subdistrict_staff, "reports:export_targets")
    assert response["Content-Disposition"] == 'attachment; filename="targets-2021-06-30.csv"'
    header, *rows = read_csv(response)
    assert header == [
        "目标",
        "范围",
        "指标",
        "起始日期",
        "截止日期",
        "目标数",
        "已完成",
        "完成率（%）",
        "剩余",
        "每日需完成",
        "预计完成日期",
        "完成日期",
        "提前天数",
    ]
    assert rows == [
        [
            "6月接种目标",
            "万里街道",
            "全部剂次",
            "2021-06-01",
            "2021-06-30",
            "1000",
            "1100",
            "110.0",
            "0",
            "",
            "",
            "2021-06-30",
            "0",
        ]
    ]


def test_target_xlsx_numbers_are_numbers(client, district_leader, ranked):
    _header, *rows = read_xlsx(
        download(client, district_leader, "reports:export_targets", format="xlsx")
    )
    assert [(row[0].value, row[7].value) for row in rows] == [("6月接种目标", 110.0)]
    assert rows[0][7].data_type == "n"


def test_pages_link_to_their_exports_with_the_same_parameters(
    client, district_leader, ranked, subdistrict
):
    client.force_login(district_leader)
    html = client.get(
        reverse("reports:ranking"),
        {"area": f"subdistrict:{subdistrict.pk}", "sort": "doses_today", "date": "2021-06-29"},
    ).content.decode()
    query = f"?area=subdistrict%3A{subdistrict.pk}&amp;sort=doses_today&amp;date=2021-06-29"
    assert f'href="{reverse("reports:export_ranking")}{query}"' in html
    assert f'href="{reverse("reports:export_ranking")}{query}&amp;format=xlsx"' in html
    assert f'href="{reverse("reports:export_tallies")}"' in html
    html = client.get(reverse("reports:targets"), {"date": "2021-06-29"}).content.decode()
    assert f'href="{reverse("reports:export_targets")}?date=2021-06-29&amp;format=xlsx"' in html


@pytest.mark.parametrize("name", ["reports:export_ranking", "reports:export_targets"])
def test_ranking_and_target_exports_query_count_does_not_grow(
    client, administrator, ranked, subdistrict, name, django_assert_max_num_queries
):
    client.force_login(administrator)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse(name))
    for n in range(20):
        committee = CommitteeFactory(subdistrict=subdistrict, code=f"N{n}")
        TargetFactory(
            campaign=ranked,
            committee=committee,
            subdistrict=None,
            period_start=YESTERDAY,
            period_end=TODAY,
        )
    snapshots_rebuild(start=YESTERDAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(name))
    assert len(read_csv(response)) > 20


def test_committee_staff_export_only_their_committees_tallies(
    client, committee_staff, committee, tallies
):
    _header, *rows = read_csv(download(client, committee_staff, "reports:export_tallies"))
    assert rows
    assert {row[3] for row in rows} == {committee.code}
