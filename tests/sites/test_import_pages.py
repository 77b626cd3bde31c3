"""The import pages: check, preview every bad row or the counts, confirm; scoped."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites.models import DailyTally, TallyImport
from tests.factories import (
    DailyTallyFactory,
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
