"""The admin's imports of committees, sites and targets are in the audit trail: the check
(the preview) and the confirmed import, with the uploaded file's SHA-256 and counts."""

import hashlib

import pytest
from django.test import Client

from audit.models import AuditEvent
from campaign.models import Committee, Target
from sites.models import Site
from tests.campaign.test_admin_import import admin_import
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

OFFICE = "10.20.30.41"
COMMITTEES = "居委编码,居委,街道编码,适种人口\n"


@pytest.fixture
def admin_client(administrator):
    client = Client(REMOTE_ADDR=OFFICE)
    client.force_login(administrator)
    return client


def events():
    return list(
        AuditEvent.objects.filter(
            kind__in=[AuditEvent.Kind.IMPORT_CHECKED, AuditEvent.Kind.IMPORTED]
        ).order_by("pk")
    )


def test_a_committee_file_is_recorded_when_checked_and_when_imported(
    admin_client, administrator, subdistrict, committee
):
    content = (
        COMMITTEES + "310107-WL-01,万里雅筑居民区,310107-WL,2400\n"  # unchanged
        "310107-WL-33,新居民区,310107-WL,2600\n"
    ).encode("gbk")
    admin_import(admin_client, "campaign_committee", content)
    assert Committee.objects.count() == 2
    checked, imported = events()
    sha256 = hashlib.sha256(content).hexdigest()  # of the file as uploaded, GBK
    for event in (checked, imported):
        assert (event.user, event.ip_address) == (administrator, OFFICE)
        assert event.detail["model"] == "committee"
        assert (event.detail["file"], event.detail["sha256"]) == ("areas.csv", sha256)
        assert event.detail["size"] == len(content)
        assert {k: event.detail[k] for k in ("rows", "new", "updated", "unchanged")} == {
            "rows": 2,
            "new": 1,
            "updated": 0,
            "unchanged": 1,
        }
        assert event.detail["rejected"] == 0
    assert (checked.kind, checked.detail["outcome"]) == (AuditEvent.Kind.IMPORT_CHECKED, "checked")
    assert (imported.kind, imported.detail["outcome"]) == (AuditEvent.Kind.IMPORTED, "imported")


def test_a_refused_file_is_recorded_as_checked_and_refused_only(admin_client, subdistrict):
    content = (COMMITTEES + "310107-WL-33,万里雅筑居民区,310107-WL,0\n").encode("utf-8")
    _preview, result = admin_import(admin_client, "campaign_committee", content)
    assert result is None
    [checked] = events()
    assert checked.detail["outcome"] == "refused"
    assert checked.detail["rejected"] == 1
    assert not Committee.objects.exists()


def test_a_preview_left_unconfirmed_is_recorded_once(admin_client, subdistrict):
    content = (COMMITTEES + "310107-WL-33,新居民区,310107-WL,2600\n").encode("utf-8")
    admin_import(admin_client, "campaign_committee", content, confirm=False)
    assert [e.kind for e in events()] == [AuditEvent.Kind.IMPORT_CHECKED]
    assert not Committee.objects.exists()


def test_site_and_target_files_are_recorded_too(admin_client, subdistrict):
    sites = (
        "接种点编码,接种点,街道编码,类型,地址,接种台数,日接种能力,开放时间,关闭时间,启用日期,停用日期\n"
        "SMEL-T-MLZ,梅龙镇广场临时接种点,310107-WL,temporary,南京西路1038号,3,375,09:00,19:30,"
        "2021-06-01,2021-06-30\n"
    ).encode()
    admin_import(admin_client, "sites_site", sites)
    CampaignFactory()
    targets = (
        "目标名称,接种工作,区编码,街道编码,居委编码,起始日期,截止日期,指标,目标数\n"
        "万里街道4月接种任务,2021年新冠疫苗接种,,310107-WL,,2021-04-01,2021-04-30,all_doses,32800\n"
    ).encode()
    admin_import(admin_client, "campaign_target", targets)
    assert Site.objects.count() == Target.objects.count() == 1
    recorded = [(e.kind, e.detail["model"], e.detail["new"]) for e in events()]
    assert recorded == [
        (AuditEvent.Kind.IMPORT_CHECKED, "site", 1),
        (AuditEvent.Kind.IMPORTED, "site", 1),
        (AuditEvent.Kind.IMPORT_CHECKED, "target", 1),
        (AuditEvent.Kind.IMPORTED, "target", 1),
    ]
    assert events()[3].detail["sha256"] == hashlib.sha256(targets).hexdigest()
