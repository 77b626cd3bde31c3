"""The daily bulletin: published once as a frozen copy, marked "restated" after a
correction, printable, downloadable as PNG and XLSX; figures from bulletin_scene."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from reports.models import Bulletin, StaleDate, SubdistrictDay
from reports.selectors.bulletins import bulletin_figures
from reports.services.bulletins import bulletin_publish
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from sites.services.tallies import TallyCell, record_tallies
from tests.factories import CommitteeFactory, StaffScopeFactory, UserFactory
from tests.reports.bulletin_scene import DAY, DAY1, build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(settings, subdistrict, committee):
    return build_scene(settings, subdistrict, committee)


def publish(client, user, subdistrict, on=DAY, *, confirm=True):
    """POST the preview's form; ``confirm`` ticks "仍然发布" (the scene has a site that
    did not report on DAY)."""
    client.force_login(user)
    data = {"subdistrict": subdistrict.pk, "date": on}
    if confirm:
        data["unreported_confirmed"] = "on"
    return client.post(reverse("reports:bulletin_publish"), data)


def correct(user, site, committee, count, *, on=DAY, dose="first", reason=""):
    """Change one stored cell through the one write path, as the entry grid does."""
    tally = DailyTally.objects.get(date=on, site=site, committee=committee, dose_kind=dose)
    record_tallies(
        user=user,
        cells=[TallyCell(on, site.pk, committee.pk, dose, count, seen_version=tally.version)],
        reason=reason,
    )


# The frozen figures ------------------------------------------------------------------------


def test_figures_of_the_day_as_computed_by_hand(scene, subdistrict, committee):
    figures = bulletin_figures(subdistrict=subdistrict, on=DAY)
    assert figures["totals"] == {
        "doses_today": 390,
        "first_doses": 300,
        "second_doses": 90,
        "booster_doses": 0,
        "doses_cumulative": 1390,
        "first_cumulative": 1300,
        "full_course_cumulative": 90,
        "residents_first_cumulative": 1300,  # no non-resident in the scene
        "residents_full_course_cumulative": 90,
        "first_percent": pytest.approx(13.0),
        "full_course_percent": pytest.approx(0.9),
        "rank_in_district": 1,
        "committees": 3,
        "sites_open": 2,
        "sites_unreported": 1,
    }
    ranking = [
        (r["name"], r["rank"], r["change"], r["first_percent"]) for r in figures["committees"]
    ]
    assert ranking == [
        ("万里雅筑居民区", 1, 0, 25.0),
        ("中浩云居民区", 2, 1, pytest.approx(100 * 400 / 2400)),  # unrounded: 16.666…
        ("新梅居民区", 3, -1, 12.5),
    ]
    assert [s["name"] for s in figures["unreported"]] == ["上海西站临时接种点"]
    targets = {t["name"]: t for t in figures["targets"]}
    assert (
        targets["万里街道4月接种任务"]["achieved"],
        targets["万里街道4月接种任务"]["percent"],
    ) == (
        1390,
        92.7,
    )
    assert targets["万里街道4月接种任务"]["days_left"] == 1
    assert targets["中浩云4月第一剂"]["reached_on"] == "2021-04-29"
    assert targets["中浩云4月第一剂"]["days_early"] == 1
    assert figures["campaign"] == {"name": "2021年新冠疫苗接种", "day": 2, "length": 64}


def test_staff_publish_a_frozen_copy_with_who_and_when(
    client, scene, subdistrict, subdistrict_staff
):
    response = publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:bulletin", args=[bulletin.pk])
    assert bulletin.published_by == subdistrict_staff
    assert bulletin.date == DAY
    computed = SubdistrictDay.objects.get(subdistrict=subdistrict, date=DAY).computed_at
    assert bulletin.data_as_of == computed
    assert bulletin.figures == bulletin_figures(subdistrict=subdistrict, on=DAY)
    html = client.get(response["Location"]).content.decode()
    assert "万里街道每日通报" in html
    assert "已发布。这份通报今后不会改变。" in html
    assert "clerk 于" in html
    assert "数据截至" in html
    assert "数据已更正" not in html


def test_bulletin_page_shows_what_the_a4_sheet_needs(client, scene, subdistrict, subdistrict_staff):
    publish(client, subdistrict_staff, subdistrict)
    html = client.get(
        reverse("reports:bulletin", args=[Bulletin.objects.get().pk])
    ).content.decode()
    assert "第 2 天（共 64 天）" in html
    assert "<strong>390</strong>" in html  # doses today
    assert "13.0%" in html
    assert "0.9%" in html
    assert html.index("万里雅筑居民区") < html.index("中浩云居民区") < html.index("新梅居民区")
    assert "▲1</span> 中浩云居民区" in html
    assert "▼1</span> 新梅居民区" in html
    assert "92.7%" in html
    assert "1390 / 1500" in html
    assert "还剩 1 天，还差 110" in html
    assert "04-29 完成" in html  # 中浩云's target
    assert "上海西站临时接种点" in html
    assert "岚灵花鸟市场" not in html
    assert "2 个开放的接种点中 1 个未上报" in html
    assert 'href="/static/css/bulletin.css"' in html  # its print style sheet


def test_a_correction_leaves_the_bulletin_and_marks_it_restated(
    client, scene, subdistrict, committee, subdistrict_staff, django_capture_on_commit_callbacks
):
    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    frozen = bulletin.figures
    with django_capture_on_commit_callbacks(execute=True):  # the rebuild runs, as in production
        correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 310)

    bulletin.refresh_from_db()
    assert bulletin.figures == frozen
    current = bulletin_figures(subdistrict=subdistrict, on=DAY)
    then, now = frozen["totals"], current["totals"]
    assert now["doses_today"] - then["doses_today"] == 10
    assert now["first_cumulative"] - then["first_cumulative"] == 10
    assert now["doses_cumulative"] - then["doses_cumulative"] == 10
    unchanged = {"second_doses", "full_course_cumulative", "committees", "sites_unreported"}
    assert {k: now[k] for k in unchanged} == {k: then[k] for k in unchanged}

    html = client.get(reverse("reports:bulletin", args=[bulletin.pk])).content.decode()
    assert 'id="restated"' in html
    assert "<strong>390</strong>" in html  # still the published figure
    assert '<td class="num">390</td><td class="num">400</td>' in html
    assert "+10" in html
    ranking = reverse("reports:ranking")
    assert f'href="{ranking}?area=subdistrict%3A{subdistrict.pk}&amp;date=2021-04-29"' in html
    assert 'href="#corrections"' in html
    corrections = html[html.index('id="corrections"') :]
    assert "中浩云居民区" in corrections
    assert "300 → 310" in corrections
    assert "clerk" in corrections
    history = reverse("sites:history", args=[scene["fixed"].pk, "2021-04-29"])
    assert history in corrections


def test_an_earlier_days_correction_also_restates(
    client, scene, subdistrict, committee, subdistrict_staff, django_capture_on_commit_callbacks
):
    publish(client, subdistrict_staff, subdistrict)
    with django_capture_on_commit_callbacks(execute=True):
        correct(subdistrict_staff, scene["fixed"], committee, 590, on=DAY1, reason="重复登记")
    html = client.get(reverse("reports:bulletin", args=[Bulletin.objects.get().pk])).content
    html = html.decode()
    assert "数据已更正" in html
    assert "600 → 590" in html
    assert "重复登记" in html
    assert '<td class="num">1300</td><td class="num">1290</td>' in html


def test_changes_before_publication_or_elsewhere_do_not_restate(
    client, scene, subdistrict, subdistrict_staff, administrator
):
    correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 305)  # before publishing
    snapshots_rebuild(start=DAY)
    publish(client, subdistrict_staff, subdistrict)
    far_committee = scene["far"].committees.get()
    correct(administrator, scene["far_site"], far_committee, 60)  # another subdistrict
    html = client.get(reverse("reports:bulletin", args=[Bulletin.objects.get().pk])).content
    assert "数据已更正".encode() not in html
    assert Bulletin.objects.get().figures["totals"]["doses_today"] == 395


# Refusals: nothing is written ---------------------------------------------------------------


def test_a_day_is_published_once(client, scene, subdistrict, subdistrict_staff, administrator):
    publish(client, subdistrict_staff, subdistrict)
    response = publish(client, administrator, subdistrict)
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True).content.decode()
    assert "已经发布过了" in page
    assert Bulletin.objects.count() == 1


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (DAY + datetime.timedelta(days=1), "2021-04-30 还没到，不能发布。"),
        (DAY1 - datetime.timedelta(days=1), "2021-04-27 还没有统计数据。"),
    ],
)
def test_refused_days(scene, subdistrict, subdistrict_staff, on, message):
    with pytest.raises(ValidationError, match=message):
        bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=on)
    assert not Bulletin.objects.exists()


def test_figures_being_updated_are_not_published(scene, subdistrict, subdistrict_staff):
    StaleDate.objects.create(date=DAY, marked_at=datetime.datetime.now(tz=datetime.UTC))
    with pytest.raises(ValidationError, match="正在更新"):
        bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=DAY)
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize("user_fixture", ["district_leader", "committee_staff"])
def test_leaders_and_committee_staff_publish_nothing(scene, subdistrict, request, user_fixture):
    with pytest.raises(PermissionDenied):
        bulletin_publish(
            user=request.getfixturevalue(user_fixture), subdistrict=subdistrict, on=DAY
        )
    assert not Bulletin.objects.exists()


def test_staff_cannot_publish_for_another_subdistrict(scene, subdistrict_staff):
    with pytest.raises(PermissionDenied):
        bulletin_publish(user=subdistrict_staff, subdistrict=scene["far"], on=DAY)
    assert not Bulletin.objects.exists()


def test_preview_offers_publishing_to_staff_only(
    client, scene, subdistrict, subdistrict_staff, district_leader
):
    url = reverse("reports:bulletin_preview")
    client.force_login(subdistrict_staff)
    html = client.get(url, {"subdistrict": subdistrict.pk, "date": DAY}).content.decode()
    assert "尚未发布" in html
    assert 'id="publish"' in html
    assert "<strong>390</strong>" in html
    client.force_login(district_leader)
    html = client.get(url, {"subdistrict": subdistrict.pk, "date": DAY}).content.decode()
    assert "<strong>390</strong>" in html
    assert 'id="publish"' not in html


def test_preview_of_a_published_day_opens_the_published_copy(
    client, scene, subdistrict, subdistrict_staff
):
    publish(client, subdistrict_staff, subdistrict)
    response = client.get(
        reverse("reports:bulletin_preview"), {"subdistrict": subdistrict.pk, "date": DAY}
    )
    assert response["Location"] == reverse("reports:bulletin", args=[Bulletin.objects.get().pk])


# Downloads -----------------------------------------------------------------------------------


def test_png_is_1080_pixels_wide_for_a_phone_chat_group(
    client, scene, subdistrict, subdistrict_staff
):
    publish(client, subdistrict_staff, subdistrict)
    response = client.get(reverse("reports:bulletin_png", args=[Bulletin.objects.get().pk]))
    assert response["Content-Type"] == "image/png"
    assert 'filename="bulletin-310107-WL-2021-04-29.png"' in response["Content-Disposition"]
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.width == 1080
    assert 1000 < image.height < 4000
    # Text was drawn: far more than two colours (white and the red header band).
    assert len(image.getcolors(maxcolors=100_000)) > 50


def test_png_draws_any_name_as_plain_text(client, scene, subdistrict, committee, subdistrict_staff):
    committee.name = (
        '=HYPERLINK("x")\n<script>\u202e' + "很长的名字" * 14
    )  # 96 characters: the column holds 100
    committee.save()
    snapshots_rebuild(start=DAY)
    publish(client, subdistrict_staff, subdistrict)
    response = client.get(reverse("reports:bulletin_png", args=[Bulletin.objects.get().pk]))
    assert Image.open(io.BytesIO(response.content)).width == 1080


def test_xlsx_has_the_bulletin_its_ranking_targets_and_silent_sites(
    client, scene, subdistrict, committee, subdistrict_staff
):
    committee.name = '=HYPERLINK("http://x","y")'
    committee.save()
    snapshots_rebuild(start=DAY)
    publish(client, subdistrict_staff, subdistrict)
    response = client.get(reverse("reports:bulletin_xlsx", args=[Bulletin.objects.get().pk]))
    assert 'filename="bulletin-310107-WL-2021-04-29.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["通报", "排名", "目标", "未上报"]
    summary = dict(book["通报"].iter_rows(min_row=2, values_only=True))
    assert summary["街道"] == "万里街道"
    assert summary["发布人"] == "clerk"
    assert summary["当日接种数"] == 390
    ranking = list(book["排名"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in ranking] == [1, 2, 3]
    assert ranking[0][3] == '\'=HYPERLINK("http://x","y")'  # text, never a formula
    assert book["排名"]["D2"].data_type == "s"
    targets = {row[0]: row for row in book["目标"].iter_rows(min_row=2, values_only=True)}
    assert targets["万里街道4月接种任务"][5:7] == (1390, 92.7)
    assert [row[1] for row in book["未上报"].iter_rows(min_row=2, values_only=True)] == [
        "上海西站临时接种点"
    ]


# Index and query counts ---------------------------------------------------------------------


def test_index_lists_only_bulletins_in_scope(
    client, scene, subdistrict, administrator, district_leader
):
    publish(client, administrator, subdistrict)
    publish(client, administrator, scene["far"])
    client.force_login(district_leader)
    html = client.get(reverse("reports:bulletins")).content.decode()
    assert "万里街道" in html
    assert "五里堡街道" not in html
    assert "准备通报" not in html  # leaders only look at the day's figures
    assert "查看当天数据" in html


def test_pages_take_the_same_queries_however_many_committees(
    client, scene, subdistrict, subdistrict_staff, django_assert_max_num_queries
):
    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 301)
    preview = (reverse("reports:bulletin_preview"), {"subdistrict": subdistrict.pk, "date": DAY1})
    urls = [(reverse("reports:bulletin", args=[bulletin.pk]), {}), preview]
    counts = []
    for url, params in urls:
        with django_assert_max_num_queries(25) as few:
            assert client.get(url, params).status_code == 200
        counts.append(len(few.captured_queries))
    for n in range(30):
        CommitteeFactory(subdistrict=subdistrict, code=f"N{n}")
    snapshots_rebuild(start=DAY1)
    for (url, params), count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url, params)


def test_user_without_scope_sees_no_bulletins(client, scene):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("reports:bulletins")).status_code == 404


def test_staff_of_one_subdistrict_publishes_there_only_through_the_page(client, scene, subdistrict):
    far_staff = UserFactory(username="far")
    StaffScopeFactory(user=far_staff, role="subdistrict_staff", subdistrict=scene["far"])
    assert publish(client, far_staff, subdistrict).status_code == 404
    assert publish(client, far_staff, scene["far"]).status_code == 302
    assert list(Bulletin.objects.values_list("subdistrict__name", flat=True)) == ["五里堡街道"]


def test_the_list_and_the_image_carry_the_restated_mark(
    client, scene, subdistrict, subdistrict_staff, administrator
):
    publish(client, administrator, subdistrict)
    publish(client, administrator, scene["far"])
    bulletin = Bulletin.objects.get(subdistrict=subdistrict)
    png_url = reverse("reports:bulletin_png", args=[bulletin.pk])
    before = Image.open(io.BytesIO(client.get(png_url).content)).height
    html = client.get(reverse("reports:bulletins")).content.decode()
    assert "数据已更正" not in html
    correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 301)
    html = client.get(reverse("reports:bulletins")).content.decode()
    listed = html[html.index("<h2>已发布</h2>") :]
    assert listed.count("数据已更正") == 1
    wanli, far = listed.index("万里街道"), listed.index("五里堡街道")
    assert wanli < listed.index("数据已更正") < far  # on 万里's line, not 五里堡's
    after = Image.open(io.BytesIO(client.get(png_url).content)).height
    assert after == before + 76  # the red "restated" band: 60 px and a 16-px gap


def test_administrators_see_bulletins_in_the_admin_but_cannot_add_or_change_them(
    client, scene, subdistrict, administrator
):
    publish(client, administrator, subdistrict)
    bulletin = Bulletin.objects.get()
    assert client.get(reverse("admin:reports_bulletin_changelist")).status_code == 200
    page = client.get(reverse("admin:reports_bulletin_change", args=[bulletin.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:reports_bulletin_add")).status_code == 403
    assert client.get(reverse("admin:reports_milestonenote_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("day", "message"), [("2021-04-30", "这一天还没到。"), ("2021-04-27", "这一天还没有统计数据。")]
)
def test_preview_of_a_day_that_cannot_be_published_says_why(
    client, scene, subdistrict, subdistrict_staff, day, message
):
    client.force_login(subdistrict_staff)
    html = client.get(
        reverse("reports:bulletin_preview"), {"subdistrict": subdistrict.pk, "date": day}
    ).content.decode()
    assert message in html
    assert 'id="publish"' not in html


# Sites that did not report; deleting an erroneous bulletin ---------------------------------


def test_unreported_sites_refuse_publishing_unless_confirmed(
    client, scene, subdistrict, subdistrict_staff
):
    with pytest.raises(ValidationError, match="2021-04-29 还有 1 个接种点未上报"):
        bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=DAY)
    assert not Bulletin.objects.exists()
    response = publish(client, subdistrict_staff, subdistrict, confirm=False)
    assert not Bulletin.objects.exists()
    html = client.get(response["Location"]).content.decode()
    assert "还有 1 个接种点未上报" in html
    warning = html[html.index('id="unreported-warning"') :]
    assert "上海西站临时接种点" in warning[: warning.index("</p>")]
    assert 'name="unreported_confirmed"' in html
    assert "仍然发布" in html
    publish(client, subdistrict_staff, subdistrict, confirm=True)
    assert Bulletin.objects.get().figures["totals"]["sites_unreported"] == 1


def test_a_day_fully_reported_publishes_without_confirmation(scene, subdistrict, subdistrict_staff):
    DailyTally.objects.create(
        date=DAY,
        site=scene["temporary"],
        committee=None,
        dose_kind="first",
        count=0,
        source="import",
    )
    snapshots_rebuild(start=DAY)
    bulletin_publish(user=subdistrict_staff, subdistrict=subdistrict, on=DAY)
    assert Bulletin.objects.get().figures["totals"]["sites_unreported"] == 0


def test_an_administrator_deletes_an_erroneous_bulletin_in_the_admin(
    client, scene, subdistrict, subdistrict_staff, administrator
):
    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    client.force_login(administrator)
    url = reverse("admin:reports_bulletin_delete", args=[bulletin.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:reports_bulletin_add")).status_code == 403
    change = client.get(reverse("admin:reports_bulletin_change", args=[bulletin.pk]))
    assert 'name="_save"' not in change.content.decode()  # view only
    client.post(url, {"post": "yes"})
    assert not Bulletin.objects.exists()
    publish(client, subdistrict_staff, subdistrict)  # the day can be published again
    assert Bulletin.objects.count() == 1


def test_staff_in_the_admin_cannot_delete_a_bulletin(client, scene, subdistrict, subdistrict_staff):
    from django.contrib.auth.models import Permission

    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    subdistrict_staff.is_staff = True
    subdistrict_staff.save()
    subdistrict_staff.user_permissions.add(
        *Permission.objects.filter(codename__endswith="bulletin")
    )
    client.force_login(subdistrict_staff)
    url = reverse("admin:reports_bulletin_delete", args=[bulletin.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Bulletin.objects.exists()


def test_xlsx_of_a_restated_bulletin_says_so_on_its_first_sheet(
    client, scene, subdistrict, subdistrict_staff, django_capture_on_commit_callbacks
):
    publish(client, subdistrict_staff, subdistrict)
    url = reverse("reports:bulletin_xlsx", args=[Bulletin.objects.get().pk])

    def summary():
        book = load_workbook(io.BytesIO(client.get(url).content))
        return dict(book.worksheets[0].iter_rows(min_row=2, values_only=True))

    assert (summary()["数据已更正"], summary()["发布后更正条数"]) == ("否", 0)
    with django_capture_on_commit_callbacks(execute=True):
        correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 310)
        correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 312)
    assert (summary()["数据已更正"], summary()["发布后更正条数"]) == ("是", 2)
    assert summary()["当日接种数"] == 390  # the frozen copy


def test_bulletin_shows_the_coverage_the_ranking_page_shows(
    client, scene, subdistrict, committee, subdistrict_staff
):
    """万里雅筑: 600 of 13,200 = 4.5454…%: the ranking page reads 4.5%; the bulletin read
    4.6% when it stored 4.55 and rounded again."""
    committee.eligible_population = 13_200
    committee.save()
    snapshots_rebuild(start=DAY1)
    publish(client, subdistrict_staff, subdistrict)
    bulletin = client.get(reverse("reports:bulletin", args=[Bulletin.objects.get().pk]))
    ranking = client.get(
        reverse("reports:ranking"), {"area": f"subdistrict:{subdistrict.pk}", "date": DAY}
    )

    def row(html, end):
        part = html[html.index("万里雅筑居民区") :]
        return part[: part.index(end)]

    ranking_row = row(ranking.content.decode(), "</tr>")
    bulletin_row = row(bulletin.content.decode(), "</tr>")
    assert "4.5%" in ranking_row
    assert "4.5%" in bulletin_row
    assert "4.6%" not in bulletin_row


def test_a_correction_dated_before_publication_but_missing_from_the_copy_restates(
    client, scene, subdistrict, subdistrict_staff, django_capture_on_commit_callbacks
):
    """The race: 中浩云 300 → 310 was saved while the bulletin was being published, so its
    history row is dated before ``published_at`` but the frozen copy still counts 300."""
    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 310)
    DailyTally.history.filter(history_date__gt=bulletin.published_at).update(
        history_date=bulletin.published_at - datetime.timedelta(seconds=1)
    )
    html = client.get(reverse("reports:bulletin", args=[bulletin.pk])).content.decode()
    assert "数据已更正" in html
    assert '<td class="num">390</td><td class="num">400</td>' in html  # doses today
    assert '<td class="num">+10</td>' in html
    book = load_workbook(
        io.BytesIO(client.get(reverse("reports:bulletin_xlsx", args=[bulletin.pk])).content)
    )
    assert dict(book.worksheets[0].iter_rows(min_row=2, values_only=True))["数据已更正"] == "是"


def test_an_unchanged_day_is_not_restated(client, scene, subdistrict, subdistrict_staff):
    publish(client, subdistrict_staff, subdistrict)
    html = client.get(reverse("reports:bulletin", args=[Bulletin.objects.get().pk])).content
    assert "数据已更正".encode() not in html


# A large subdistrict: the lists are cut, the PNG keeps its footer ---------------------------


@pytest.fixture
def crowded(scene, subdistrict):
    """60 more targets (none reached) and 40 more silent sites: 62 targets, 41 silent."""
    from campaign.models import Campaign
    from tests.factories import SiteFactory, TargetFactory

    campaign = Campaign.objects.get()
    for n in range(60):
        TargetFactory(
            campaign=campaign,
            subdistrict=subdistrict,
            name=f"冲刺任务{n:02d}",
            value=100_000 + n,
            period_start=DAY1,
            period_end=datetime.date(2021, 4, 30),
        )
    for n in range(40):
        SiteFactory(subdistrict=subdistrict, code=f"WL-M-{n:02d}", name=f"流动接种队{n:02d}")
    snapshots_rebuild(start=DAY1)


def test_a_large_subdistrict_lists_are_cut_on_the_page(
    client, crowded, subdistrict, subdistrict_staff
):
    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    assert len(bulletin.figures["targets"]) == 62  # the frozen copy keeps them all
    html = client.get(reverse("reports:bulletin", args=[bulletin.pk])).content.decode()
    targets = html[html.index('class="plain bulletin-targets"') :]
    targets = targets[: targets.index("</ul>")]
    assert targets.count('<div class="target-line">') == 8
    assert "… 另有 54 项" in targets
    assert "中浩云4月第一剂" not in targets  # reached: after the 60 not reached
    silent = html[html.index('id="unreported"') :]
    silent = silent[: silent.index("</ul>")]
    assert silent.count('class="status missing"') == 10
    assert "… 另有 31 项" in silent
    assert "41 个未上报" in html


def test_a_large_subdistricts_png_is_cut_and_keeps_its_footer(
    client, crowded, subdistrict, subdistrict_staff
):
    from reports.presentation.bulletin_image import MAX_HEIGHT, bulletin_png
    from reports.presentation.bulletins import bulletin_sections

    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    response = client.get(reverse("reports:bulletin_png", args=[bulletin.pk]))
    image = Image.open(io.BytesIO(response.content)).convert("L")
    assert image.height < MAX_HEIGHT  # cropped to what was drawn: nothing cut off
    # Something is drawn in the last 80 pixels: the footer line.
    bottom = image.crop((0, image.height - 80, image.width, image.height))
    assert bottom.getextrema()[0] < 200

    drawn: list[str] = []
    bulletin_png(
        bulletin_sections(bulletin.figures), footer="FOOTER-TEXT", restated=False, drawn=drawn
    )
    assert drawn[-1] == "FOOTER-TEXT"
    assert "… 另有 54 项" in drawn
    assert "… 另有 31 项" in drawn
    # 8 targets, none reached: 万里街道4月接种任务 and 7 of the 60
    assert sum(text.startswith("冲刺任务") for text in drawn) == 7
    assert "万里街道4月接种任务" in drawn
    assert "中浩云4月第一剂" not in drawn
    shown = sum(text.startswith("流动接种队") for text in drawn)
    assert shown + ("上海西站临时接种点" in drawn) == 10


def test_the_footer_keeps_the_publishers_name_as_it_was(
    client, scene, subdistrict, subdistrict_staff
):
    subdistrict_staff.first_name, subdistrict_staff.last_name = "芳", "王"
    subdistrict_staff.save()
    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    subdistrict_staff.first_name, subdistrict_staff.last_name = "", "改名"
    subdistrict_staff.save()
    html = client.get(reverse("reports:bulletin", args=[bulletin.pk])).content.decode()
    name = subdistrict_staff.__class__(first_name="芳", last_name="王").get_full_name()
    footer = html[html.index('class="published"') :]
    footer = footer[: footer.index("</span>")]
    assert f"{name} 于" in footer
    assert "改名" not in footer
    book = load_workbook(
        io.BytesIO(client.get(reverse("reports:bulletin_xlsx", args=[bulletin.pk])).content)
    )
    assert dict(book.worksheets[0].iter_rows(min_row=2, values_only=True))["发布人"] == name


def test_restated_wording_says_when_and_where_the_current_figures_are(
    client, scene, subdistrict, subdistrict_staff, django_capture_on_commit_callbacks
):
    from reports.presentation.bulletin_image import bulletin_png
    from reports.presentation.bulletins import bulletin_sections

    publish(client, subdistrict_staff, subdistrict)
    bulletin = Bulletin.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        correct(subdistrict_staff, scene["fixed"], scene["zhonghao"], 310)
    html = client.get(reverse("reports:bulletin", args=[bulletin.pk])).content.decode()
    differences = html[html.index('class="differences"') :]
    assert '<th class="num">发布时</th>' in differences[: differences.index("</thead>")]
    index = client.get(reverse("reports:bulletins")).content.decode()
    assert "<h2>已发布</h2>" in index  # the list's heading keeps its word
    drawn: list[str] = []
    bulletin_png(bulletin_sections(bulletin.figures), footer="", restated=True, drawn=drawn)
    assert "数据已更正：本通报发布后有接种数被修改，当前数据见平台排名页。" in drawn
