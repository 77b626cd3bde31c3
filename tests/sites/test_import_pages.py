"""The import pages: check, preview every bad row or the counts, confirm; scoped."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites.models import DailyTally, TallyImport
from tests.factories import (
    DailyTallyFactory,
    DistrictFactory,
    SiteFactory,
    StaffScopeFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.sites.conftest import YESTERDAY
from tests.sites.test_imports import ROWS, csv_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client, site, committee, neighbour, subdistrict_staff):
    client.force_login(subdistrict_staff)
    return client


def upload(client, content, name="二七区导出.csv"):
    return client.post(
        reverse("sites:import_index"), {"file": SimpleUploadedFile(name, content)}, follow=True
    )


def test_a_gbk_file_is_previewed_then_imported_on_confirmation(clerk):
    page = upload(clerk, csv_file(*ROWS, encoding="gbk")).content.decode()
    assert "已检查，等待确认" in page
    assert "gb18030" in page
    assert "确认导入" in page
    assert not DailyTally.objects.exists()
    log = TallyImport.objects.get()
    page = clerk.post(reverse("sites:import_confirm", args=[log.pk]), follow=True)
    assert "已导入" in page.content.decode()
    assert DailyTally.objects.count() == 4


def test_a_refused_file_lists_every_bad_row_with_its_line(clerk):
    page = upload(clerk, csv_file(ROWS[0], "2021-06-29,NOPE,,第一剂,-1")).content.decode()
    assert "未导入任何数据" in page
    assert "未知的接种点编码 NOPE" in page
    assert "不能为负数" in page
    assert "确认导入" not in page
    assert not DailyTally.objects.exists()


def test_a_large_import_runs_as_a_job_and_reports_its_result(
    clerk, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("sites.services.imports.BACKGROUND_ROWS", 2)
    upload(clerk, csv_file(*ROWS))
    log = TallyImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page = clerk.post(reverse("sites:import_confirm", args=[log.pk]), follow=True)
    assert "排队中" in page.content.decode()
    assert "data-refresh-seconds" in page.content.decode()
    assert not DailyTally.objects.exists()
    for job in queued:
        job()
    log.refresh_from_db()
    assert log.status == TallyImport.Status.IMPORTED  # eager here; a worker in production
    assert DailyTally.objects.count() == 4


def test_templates_come_with_chinese_or_english_headers(clerk):
    chinese = clerk.get(reverse("sites:import_template") + "?lang=zh-hans").content
    english = clerk.get(reverse("sites:import_template") + "?lang=en").content
    assert chinese.decode("utf-8-sig").startswith("接种日期,接种点编码,居委编码,剂次,接种数")
    assert english.decode("utf-8-sig").startswith("date,site_code,committee_code,dose,count")


def test_leaders_cannot_import_and_others_cannot_see_my_import(client, clerk, district_leader):
    upload(clerk, csv_file(*ROWS))
    log = TallyImport.objects.get()
    client.force_login(district_leader)
    assert client.get(reverse("sites:import_index")).status_code == 404
    stranger = UserFactory(username="stranger")
    StaffScopeFactory(user=stranger, role="subdistrict_staff", subdistrict=SubdistrictFactory())
    client.force_login(stranger)
    assert client.get(reverse("sites:import_detail", args=[log.pk])).status_code == 404
    assert client.post(reverse("sites:import_confirm", args=[log.pk])).status_code == 404
    assert not DailyTally.objects.exists()


def test_the_import_log_is_in_the_admin(client, clerk, administrator):
    upload(clerk, csv_file("garbage"))
    client.force_login(administrator)
    page = client.get(reverse("admin:sites_tallyimport_changelist")).content.decode()
    assert "二七区导出.csv" in page
    assert client.get(reverse("admin:sites_tallyimport_add"))["Location"] == reverse(
        "sites:import_index"
    )


def test_the_preview_shows_each_change_with_its_old_value_and_the_new_rows(clerk, site, committee):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=11)
    page = upload(clerk, csv_file(*ROWS)).content.decode()
    assert "本次导入将修改的数据" in page
    assert "11 → 12" in page
    assert "本次导入将新增的数据" in page
    assert "310107-WL-02" in page
    assert not DailyTally.objects.filter(count=12).exists()


def test_an_oversized_upload_is_refused_before_it_is_read(clerk, monkeypatch):
    monkeypatch.setattr("sites.views.imports.MAX_UPLOAD_BYTES", 10)
    page = upload(clerk, csv_file(*ROWS)).content.decode()
    assert "文件超过 20 MB" in page
    assert not TallyImport.objects.exists()


def test_the_template_example_carries_no_real_code(clerk, site):
    text = clerk.get(reverse("sites:import_template")).content.decode("utf-8-sig")
    example = text.splitlines()[1]
    assert "EXAMPLE-SITE" in example
    assert site.code not in example


def test_a_site_template_is_filled_with_its_committees_and_doses(clerk, site, subdistrict):
    page = clerk.get(reverse("sites:import_index")).content.decode()
    assert "WL-T-XZ" in page  # the codes are on the page
    url = reverse("sites:import_template")
    text = clerk.get(url, {"site": site.pk, "date": "2021-06-29", "lang": "en"})
    lines = text.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "date,site_code,committee_code,dose,count"
    rows = {tuple(line.split(",")) for line in lines[1:]}
    committees = ("310107-WL-01", "310107-WL-02", "")  # and the non-resident row
    doses = ("first", "second", "booster")
    expected = {("2021-06-29", "WL-T-XZ", c, d, "") for c in committees for d in doses}
    assert rows == expected
    by_subdistrict = clerk.get(url, {"subdistrict": subdistrict.pk, "date": "2021-06-29"})
    chinese = by_subdistrict.content.decode("utf-8-sig").splitlines()
    assert chinese[0] == "接种日期,接种点编码,居委编码,剂次,接种数"
    assert "2021-06-29,WL-T-XZ,310107-WL-01,第一剂," in chinese


def test_committee_staff_get_their_own_row_only(
    client, site, committee, neighbour, committee_staff
):
    client.force_login(committee_staff)
    text = client.get(reverse("sites:import_template"), {"site": site.pk, "date": "2021-06-29"})
    lines = text.content.decode("utf-8-sig").splitlines()[1:]
    assert {line.split(",")[2] for line in lines} == {"310107-WL-01"}
    assert len(lines) == 3


def test_committee_staff_open_their_own_imports_only(
    client, site, committee, neighbour, committee_staff
):
    """As their tally export: a colleague's file holds another committee's rows."""
    colleague = UserFactory(username="neighbour_staff")
    StaffScopeFactory(user=colleague, role="committee_staff", committee=neighbour)
    row = "2021-06-29,WL-T-XZ,310107-WL-02,第一剂,3"
    client.force_login(colleague)
    upload(client, csv_file(row))
    theirs = TallyImport.objects.get()
    client.force_login(committee_staff)
    assert client.get(reverse("sites:import_detail", args=[theirs.pk])).status_code == 404
    upload(client, csv_file("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,3"))
    mine = TallyImport.objects.exclude(pk=theirs.pk).get()
    assert client.get(reverse("sites:import_detail", args=[mine.pk])).status_code == 200


def test_a_checked_import_can_be_discarded_and_its_file_goes(clerk):
    from django.core.files.storage import default_storage

    upload(clerk, csv_file(*ROWS))
    log = TallyImport.objects.get()
    stored = log.stored_as
    assert default_storage.exists(stored)
    page = clerk.post(reverse("sites:import_discard", args=[log.pk]), follow=True)
    assert "已放弃" in page.content.decode()
    log.refresh_from_db()
    assert (log.status, log.stored_as) == ("discarded", "")
    assert not default_storage.exists(stored)
    clerk.post(reverse("sites:import_confirm", args=[log.pk]))
    assert not DailyTally.objects.exists()


def test_an_unconfirmed_import_expires_after_a_day(clerk):
    import datetime

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from sites.tasks import tally_imports_expire

    upload(clerk, csv_file(*ROWS))
    upload(clerk, csv_file(ROWS[0]))
    old, fresh = TallyImport.objects.order_by("pk")
    TallyImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    tally_imports_expire()
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.stored_as) == ("expired", "")
    assert fresh.status == "checked"
    assert default_storage.exists(fresh.stored_as)


def test_the_preview_names_each_site_and_committee_beside_its_code(clerk, site, committee):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=11)
    page = upload(clerk, csv_file(*ROWS)).content.decode()
    changed = page[page.index("本次导入将修改的数据") : page.index("本次导入将新增的数据")]
    for shown in ("上海西站临时接种点", "WL-T-XZ", "万里雅筑居民区", "310107-WL-01", "11 → "):
        assert shown in changed
    added = page[page.index("本次导入将新增的数据") :]
    assert "中浩云居民区" in added
    assert "310107-WL-02" in added
    assert "非本街道居民" in added  # the row without a committee code


def test_the_import_page_lists_the_committee_codes_a_file_needs(
    client, site, committee, neighbour, subdistrict_staff, committee_staff
):
    client.force_login(subdistrict_staff)
    codes = client.get(reverse("sites:import_index")).content.decode()
    codes = codes[codes.index('id="committee-codes"') :]
    for shown in ("310107-WL-01", "万里雅筑居民区", "310107-WL-02", "中浩云居民区"):
        assert shown in codes
    client.force_login(committee_staff)
    own = client.get(reverse("sites:import_index")).content.decode()
    own = own[own.index('id="committee-codes"') :]
    assert "310107-WL-01" in own
    assert "310107-WL-02" not in own  # a committee's clerk imports their own row only


@pytest.mark.parametrize(
    "viewer", ["administrator", "district_leader", "subdistrict_staff", "colleague", "far_leader"]
)
def test_who_opens_an_import_is_who_may_export_its_tallies(
    client, request, viewer, site, committee, neighbour, committee_staff
):
    client.force_login(committee_staff)
    upload(client, csv_file("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,3"))
    log = TallyImport.objects.get()
    client.post(reverse("sites:import_confirm", args=[log.pk]))
    if viewer == "colleague":
        user = UserFactory(username="neighbour_staff")
        StaffScopeFactory(user=user, role="committee_staff", committee=neighbour)
    elif viewer == "far_leader":
        user = UserFactory(username="far_leader")
        StaffScopeFactory(user=user, role="district_leader", district=DistrictFactory())
    else:
        user = request.getfixturevalue(viewer)
    client.force_login(user)
    exported = client.get(
        reverse("reports:export_tallies"), {"from": "2021-06-29", "to": "2021-06-29"}
    )
    in_export = "310107-WL-01" in exported.content.decode("utf-8-sig")
    detail = client.get(reverse("sites:import_detail", args=[log.pk]))
    assert (detail.status_code == 200) == in_export, (viewer, detail.status_code, in_export)
    assert in_export == (viewer in ("administrator", "district_leader", "subdistrict_staff"))


def test_a_subdistrict_file_costs_the_same_queries_however_many_sites(
    clerk, site, subdistrict, django_assert_max_num_queries
):
    url = reverse("sites:import_template")
    params = {"subdistrict": subdistrict.pk, "date": "2021-06-29"}
    with django_assert_max_num_queries(20) as few:
        clerk.get(url, params)
    for n in range(8):
        SiteFactory(subdistrict=subdistrict, code=f"WL-EXTRA-{n}", active_from=YESTERDAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        lines = clerk.get(url, params).content.decode("utf-8-sig").splitlines()
    # 9 sites × (2 committees + the non-resident row) × 3 doses, and the header
    assert len(lines) == 1 + 9 * 3 * 3
