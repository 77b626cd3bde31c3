"""Committees, sites and targets import in the admin by their codes: GBK files too,
a preview before anything is written, and a second import updates instead of adding."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from campaign.models import Committee
from sites.models import Site

pytestmark = pytest.mark.django_db


def admin_import(client, model: str, content: bytes, *, confirm: bool = True):
    """Upload, read the preview, confirm; returns (preview page, result page)."""
    url = reverse(f"admin:{model}_import")
    form = client.get(url).context["form"]
    csv_index = next(
        value for value, label in form.fields["format"].choices if str(label).lower() == "csv"
    )
    preview = client.post(
        url,
        {
            "resource": 0,
            "format": csv_index,
            "import_file": SimpleUploadedFile("areas.csv", content),
        },
    )
    confirm_form = preview.context.get("confirm_form")
    if confirm_form is None or not confirm:
        return preview, None
    result = client.post(
        reverse(f"admin:{model}_process_import"), confirm_form.initial, follow=True
    )
    return preview, result


def test_committees_import_from_a_gbk_file_by_code(client, administrator, subdistrict):
    client.force_login(administrator)
    content = "居委编码,居委,街道编码,适种人口\n310107-WL-33,万里雅筑居民区,310107-WL,2600\n"
    preview, _ = admin_import(client, "campaign_committee", content.encode("gbk"), confirm=False)
    assert "万里雅筑居民区" in preview.content.decode()
    assert not Committee.objects.exists()  # the preview writes nothing
    admin_import(client, "campaign_committee", content.encode("gbk"))
    committee = Committee.objects.get()
    assert (committee.code, committee.subdistrict, committee.eligible_population) == (
        "310107-WL-33",
        subdistrict,
        2600,
    )
    assert committee.history.count() == 1

    again = "居委编码,居委,街道编码,适种人口\n310107-WL-33,万里雅筑居民区,310107-WL,2700\n"
    admin_import(client, "campaign_committee", again.encode("utf-8-sig"))
    committee.refresh_from_db()
    assert committee.eligible_population == 2700
    assert Committee.objects.count() == 1
    assert committee.history.count() == 2


def test_a_bad_population_is_refused_and_nothing_is_written(client, administrator, subdistrict):
    client.force_login(administrator)
    content = "居委编码,居委,街道编码,适种人口\n310107-WL-33,万里雅筑居民区,310107-WL,0\n"
    preview, result = admin_import(client, "campaign_committee", content.encode("utf-8"))
    assert result is None
    assert "适种人口必须大于 0" in preview.content.decode()
    assert not Committee.objects.exists()


def test_sites_import_with_opening_hours(client, administrator, subdistrict):
    client.force_login(administrator)
    content = (
        "接种点编码,接种点,街道编码,类型,地址,接种台数,日接种能力,开放时间,关闭时间,启用日期,停用日期\n"
        "SMEL-T-MLZ,梅龙镇广场临时接种点,310107-WL,temporary,南京西路1038号,3,375,09:00,19:30,"
        "2021-06-01,2021-06-30\n"
    )
    admin_import(client, "sites_site", content.encode("gbk"))
    site = Site.objects.get()
    assert (site.name, site.opens_at.strftime("%H:%M"), site.closes_at.strftime("%H:%M")) == (
        "梅龙镇广场临时接种点",
        "09:00",
        "19:30",
    )


def test_admin_tally_list_offers_the_portals_one_tally_export(client, administrator):
    """One export stack: the admin links to the portal's export, which writes the import's
    own columns, instead of exporting with django-import-export."""
    client.force_login(administrator)
    page = client.get(reverse("admin:sites_dailytally_changelist")).content.decode()
    assert f'href="{reverse("reports:export_tallies")}"' in page
    with pytest.raises(NoReverseMatch):
        reverse("admin:sites_dailytally_export")


def test_a_sites_contact_comes_from_the_site_file_and_is_edited_in_the_admin(
    client, administrator, subdistrict
):
    """The board shows whom to call at a silent site: the site file and the admin set it."""
    client.force_login(administrator)
    content = (
        "code,name,subdistrict_code,kind,daily_capacity,active_from,contact_name,contact_phone\n"
        "SMEL-T-MLZ,梅龙镇广场临时接种点,310107-WL,临时,375,2021-06-01,李护士,021-62000002\n"
    )
    admin_import(client, "sites_site", content.encode("utf-8"))
    site = Site.objects.get()
    assert (site.contact_name, site.contact_phone) == ("李护士", "021-62000002")
    form = client.get(reverse("admin:sites_site_change", args=[site.pk])).content.decode()
    assert 'name="contact_name"' in form
    assert 'name="contact_phone"' in form
    found = client.get(reverse("admin:sites_site_changelist"), {"q": "李护士"}).content.decode()
    assert "梅龙镇广场临时接种点" in found
