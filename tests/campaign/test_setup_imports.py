"""Every admin import reads what people write: the labels the admin shows, short forms,
Chinese or English headers; errors name the column as the file does and list the valid
values; no page shows a traceback; a template file to start from."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from campaign.models import Campaign, District, StaffScope, Subdistrict, Target
from sites.models import Site
from tests.campaign.test_admin_import import admin_import
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

SITE_HEADERS = "接种点编码,接种点,街道编码,类型,日接种能力,启用日期"


@pytest.mark.parametrize("written", ["固定接种点", "固定", "fixed", "Fixed site", "ｆｉｘｅｄ"])
def test_a_site_kind_is_read_as_people_write_it(client, administrator, subdistrict, written):
    client.force_login(administrator)
    content = f"{SITE_HEADERS}\nWL-F1,万里固定点,310107-WL,{written},800,2021-06-01\n"
    admin_import(client, "sites_site", content.encode("utf-8"))
    assert Site.objects.get().kind == Site.Kind.FIXED


def test_an_unknown_kind_names_the_column_and_the_valid_values(client, administrator, subdistrict):
    client.force_login(administrator)
    content = f"{SITE_HEADERS}\nWL-F1,万里固定点,310107-WL,大型点,800,2021-06-01\n"
    preview, result = admin_import(client, "sites_site", content.encode("utf-8"))
    page = preview.content.decode()
    assert result is None
    assert not Site.objects.exists()
    assert "类型" in page
    assert "“大型点”不是有效值" in page
    assert "固定接种点 (fixed)" in page
    assert "机动队 (mobile)" in page


@override_settings(DEBUG=False)
def test_english_headers_import_and_errors_show_no_traceback(client, administrator, subdistrict):
    client.force_login(administrator)
    client.cookies["django_language"] = "en"
    content = (
        "code,name,subdistrict_code,kind,daily_capacity,active_from\n"
        "WL-F1,Wanli fixed,310107-WL,fixed site,800,2021-06-01\n"
        "WL-F2,Wanli bad,NOWHERE,huge,800,2021-06-01\n"
    )
    preview, result = admin_import(client, "sites_site", content.encode("utf-8"))
    page = preview.content.decode()
    assert result is None
    assert not Site.objects.exists()
    assert "Traceback" not in page
    assert ".py" not in page
    assert "kind" in page
    assert "is not a valid value" in page
    assert "No subdistrict has the code “NOWHERE”" in page

    missing = "name,kind\nWanli,fixed\n"
    preview, _ = admin_import(client, "sites_site", missing.encode("utf-8"))
    page = preview.content.decode()
    assert "Traceback" not in page
    assert 'File "/' not in page
    assert "The file has no column 接种点编码" in page


@pytest.mark.parametrize(
    ("written", "metric"),
    [("第一剂", "first"), ("首剂", "first"), ("全部剂次", "all_doses"), ("all_doses", "all_doses")],
)
def test_a_target_metric_is_read_as_people_write_it(
    client, administrator, subdistrict, written, metric
):
    CampaignFactory(name="六月接种")
    client.force_login(administrator)
    content = (
        "目标名称,接种工作,街道编码,起始日期,截止日期,指标,目标数\n"
        f"万里六月,六月接种,310107-WL,2021-06-01,2021-06-30,{written},5000\n"
    )
    admin_import(client, "campaign_target", content.encode("gbk"))
    assert Target.objects.get().metric == metric


def test_areas_and_the_campaign_import_and_a_second_import_changes_nothing(client, administrator):
    client.force_login(administrator)
    districts = "区编码,区,适种人口\nD1,普陀区,800000\n"
    subdistricts = "subdistrict_code,name,district_code,eligible_population\nS1,万里街道,D1,90000\n"
    campaign = (
        "接种工作,开始日期,结束日期,全程剂数,第二剂最早间隔天数,第二剂最迟间隔天数,金盾门槛\n"
        "六月接种,2021-06-01,2021-06-30,2,21,56,85\n"
    )
    for model, content in [
        ("campaign_district", districts),
        ("campaign_subdistrict", subdistricts),
        ("campaign_campaign", campaign),
    ]:
        admin_import(client, model, content.encode("gbk"))
    subdistrict = Subdistrict.objects.get()
    assert subdistrict.district == District.objects.get()
    assert subdistrict.eligible_population == 90000
    six = Campaign.objects.get()
    assert (six.doses_for_full_course, six.second_dose_min_days, six.golden_shield_threshold) == (
        2,
        21,
        85,
    )
    preview, _ = admin_import(client, "campaign_campaign", campaign.encode("utf-8"), confirm=False)
    assert preview.context["result"].totals["skip"] == 1
    assert Campaign.objects.get().history.count() == 1


def test_accounts_import_with_role_scope_and_a_set_password_link(client, administrator, committee):
    client.force_login(administrator)
    content = (
        "用户名,姓名,角色,范围编码\nwl_clerk,李文,居委,310107-WL-01\nwl_lead,王平,区领导,NOPE\n"
    )
    preview, result = admin_import(client, "auth_user", content.encode("utf-8"))
    assert result is None
    assert "范围编码" in preview.content.decode()
    assert "NOPE" in preview.content.decode()
    assert not get_user_model().objects.filter(username="wl_clerk").exists()

    content = "username,name,role,scope_code\nwl_clerk,李文,committee staff,310107-WL-01\n"
    _, result = admin_import(client, "auth_user", content.encode("utf-8"))
    clerk = get_user_model().objects.get(username="wl_clerk")
    assert not clerk.has_usable_password()
    assert clerk.first_name == "李文"
    scope = StaffScope.objects.get(user=clerk)
    assert (scope.role, scope.committee) == ("committee_staff", committee)
    message = next(str(m) for m in result.context["messages"] if "wl_clerk" in str(m))
    link = re.search(r"https?://testserver(/\S+)", message).group(1)

    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Lian-2021-wanli", "new_password2": "Lian-2021-wanli"},
        follow=True,
    )
    assert done.status_code == 200
    clerk.refresh_from_db()
    assert clerk.check_password("Lian-2021-wanli")

    # The same file again: nothing changes and no new link is given.
    client.force_login(administrator)
    preview, _ = admin_import(client, "auth_user", content.encode("utf-8"), confirm=False)
    assert preview.context["result"].totals["skip"] == 1


@pytest.mark.parametrize("model", ["campaign_district", "sites_site", "auth_user"])
def test_a_template_has_the_headers_and_a_clearly_fake_row(client, administrator, model):
    client.force_login(administrator)
    page = client.get(reverse(f"admin:{model}_import")).content.decode()
    assert "lang=en" in page
    zh = client.get(reverse(f"admin:{model}_import_template"), {"lang": "zh-hans"})
    text = zh.content.decode("utf-8-sig")
    assert "EXAMPLE" in text.splitlines()[1]
    en = client.get(reverse(f"admin:{model}_import_template"), {"lang": "en"})
    assert "code" in en.content.decode("utf-8-sig").splitlines()[0]
    xlsx = client.get(reverse(f"admin:{model}_import_template"), {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_a_bad_row_is_named_by_its_line_in_the_file(client, administrator, subdistrict):
    """The header is line 1, as load_campaign and the tally import count: the second data
    row is line 3, not the admin's "row 2"."""
    client.force_login(administrator)
    content = (
        f"{SITE_HEADERS}\n"
        "WL-F1,万里固定点,310107-WL,固定,800,2021-06-01\n"
        "WL-F2,万里大棚,310107-WL,大棚,800,2021-06-01\n"
    )
    preview, _result = admin_import(client, "sites_site", content.encode("utf-8"))
    page = preview.content.decode()
    assert "以下各行未通过检查" in page
    first_cell = re.search(r"<tbody>\s*<tr>\s*<td>(\d+)</td>", page)
    assert first_cell is not None
    assert first_cell[1] == "3"
    assert not Site.objects.exists()


def test_an_excel_file_sent_as_csv_gets_a_plain_message_and_only_two_formats_are_offered(
    client, administrator, subdistrict
):
    client.force_login(administrator)
    url = reverse("admin:sites_site_import")
    choices = dict(client.get(url).context["form"].fields["format"].choices)
    assert sorted(str(label).lower() for key, label in choices.items() if key) == ["csv", "xlsx"]
    book = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["接种点编码", "接种点"])
    workbook.save(book)
    csv_choice = next(key for key, label in choices.items() if str(label).lower() == "csv")
    page = client.post(
        url,
        {
            "resource": 0,
            "format": csv_choice,
            "import_file": SimpleUploadedFile("sites.xlsx", book.getvalue()),
        },
    ).content.decode()
    assert "无法按所选格式读取该文件" in page
    assert "Error" not in page  # no Python exception name
    assert not Site.objects.exists()
