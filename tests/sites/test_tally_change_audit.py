"""Every tally change is in the audit: who, when, old → new, source (entry or import) and
why, whichever way it was saved (the grid, "nobody came", a file); administrators read
the changes in the admin's audit section, filtered by date, site or user, and nobody
edits them there."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sites.models import DailyTally, TallyChange
from tests.factories import DailyTallyFactory, SiteFactory, UserFactory
from tests.sites.conftest import TODAY, YESTERDAY
from tests.sites.test_imports import csv_file, import_file

pytestmark = pytest.mark.django_db


def grid_url(site, on=TODAY):
    return reverse("sites:entry", args=[site.pk, on.isoformat()])


def field(committee, dose="first"):
    return f"count-{committee.pk}-{dose}"


@pytest.fixture
def changes(client, site, committee, neighbour, subdistrict, subdistrict_staff, administrator):
    """A day's work: the grid, a correction with its reason, "nobody came", a file."""
    client.force_login(subdistrict_staff)
    client.post(grid_url(site, YESTERDAY), {field(committee): "12"})
    tally = DailyTally.objects.get()
    client.post(
        grid_url(site, YESTERDAY),
        {
            field(committee): "15",
            f"version-{committee.pk}-first": tally.version,
            "reason": "台账核对",
        },
    )
    quiet = SiteFactory(subdistrict=subdistrict, code="WL-F-W", name="西片区固定接种点")
    client.post(grid_url(quiet), {"report_zero": "1"})
    rows = [
        "2021-06-29,WL-T-XZ,310107-WL-01,第一剂,20",
        "2021-06-29,WL-T-XZ,310107-WL-02,第一剂,4",
    ]
    import_file(administrator, csv_file(*rows), name="区系统导出.csv")
    return quiet


def test_every_way_of_saving_keeps_who_old_new_source_and_reason(
    changes, subdistrict_staff, administrator
):
    recorded = [
        (
            row.history_user,
            row.site.code,
            row.committee.code if row.committee else None,
            row.date,
            row.previous_count,
            row.count,
            row.source,
            row.history_type,
            row.history_change_reason,
        )
        for row in TallyChange.objects.order_by("history_date", "history_id")
    ]
    file_reason = "文件导入：区系统导出.csv"
    assert recorded == [
        (subdistrict_staff, "WL-T-XZ", "310107-WL-01", YESTERDAY, None, 12, "entry", "+", ""),
        (subdistrict_staff, "WL-T-XZ", "310107-WL-01", YESTERDAY, 12, 15, "entry", "~", "台账核对"),
        (subdistrict_staff, "WL-F-W", None, TODAY, None, 0, "entry", "+", ""),
        (administrator, "WL-T-XZ", "310107-WL-01", YESTERDAY, 15, 20, "import", "~", file_reason),
        (administrator, "WL-T-XZ", "310107-WL-02", YESTERDAY, None, 4, "import", "+", file_reason),
    ]
    assert all(row.history_date is not None for row in TallyChange.objects.all())


def test_no_change_escapes_the_history(changes):
    """One history row per version of every tally, the last one holding its value."""
    for tally in DailyTally.objects.all():
        versions = TallyChange.objects.filter(id=tally.pk).order_by("history_date", "history_id")
        assert versions.count() == tally.version
        assert versions.last().count == tally.count
        assert versions.last().history_user == tally.entered_by


def changelist(client, **params):
    return client.get(reverse("admin:sites_tallychange_changelist"), params)


def listed(response):
    rows = response.context["cl"].result_list
    return sorted(((row.previous_count, row.count) for row in rows), key=str)


def test_administrators_read_the_changes_old_to_new_in_chinese(client, changes, administrator):
    client.force_login(administrator)
    response = changelist(client)
    page = response.content.decode()
    assert response.status_code == 200
    assert "计数变更" in page
    assert "12 → 15" in page
    assert "15 → 20" in page
    assert "未上报 → 12" in page
    assert "台账核对" in page
    assert "文件导入" in page
    assert "网页录入" in page
    for label in ("修改时间", "修改人", "变更类型", "接种日期"):
        assert label in page
    assert "history date" not in page.lower()


def test_changes_filter_by_user_site_and_date(client, changes, site, subdistrict, administrator):
    client.force_login(administrator)
    assert listed(changelist(client, user=administrator.pk)) == [(15, 20), (None, 4)]
    page = changelist(client, subdistrict=subdistrict.pk)
    assert "西片区固定接种点" in page.content.decode()  # the sites of the subdistrict
    assert listed(changelist(client, subdistrict=subdistrict.pk, site=changes.pk)) == [(None, 0)]
    assert listed(changelist(client, day=TODAY.isoformat())) == [(None, 0)]
    assert len(listed(changelist(client, day=YESTERDAY.isoformat()))) == 4
    assert listed(changelist(client, day="not-a-day")) == []
    assert listed(changelist(client, source="import", site=site.pk)) == [(15, 20), (None, 4)]


def test_the_change_list_costs_the_same_queries_for_5_or_40_changes(
    client, site, committee, administrator
):
    client.force_login(administrator)

    def queries_for(rows: int, first: datetime.date) -> int:
        DailyTally.history.all().delete()
        for n in range(rows):
            user = UserFactory(username=f"clerk{n}")
            tally = DailyTallyFactory(
                site=site, committee=committee, date=first + datetime.timedelta(n)
            )
            DailyTally.history.filter(id=tally.pk).update(history_user=user, previous_count=n)
        with CaptureQueriesContext(connection) as queries:
            response = changelist(client)
        assert len(response.context["cl"].result_list) == rows
        return len(queries)

    assert queries_for(5, datetime.date(2021, 1, 8)) == queries_for(40, datetime.date(2021, 2, 1))


def test_nobody_adds_changes_or_deletes_a_tally_change(client, changes, administrator):
    client.force_login(administrator)
    change = TallyChange.objects.order_by("history_id").first()
    url = reverse("admin:sites_tallychange_change", args=[change.pk])
    detail = client.get(url)
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.post(url, {"count": "999"}).status_code == 403
    delete = reverse("admin:sites_tallychange_delete", args=[change.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:sites_tallychange_add")).status_code == 403
    client.post(
        reverse("admin:sites_tallychange_changelist"),
        {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"},
    )
    change.refresh_from_db()
    assert change.count == 12
    assert TallyChange.objects.count() == 5


def test_a_tally_is_not_reverted_through_its_history_page(client, changes, administrator):
    """The tally admin's history page shows old versions but cannot restore one."""
    client.force_login(administrator)
    tally = DailyTally.objects.get(committee__code="310107-WL-01")
    first = TallyChange.objects.filter(id=tally.pk).order_by("history_id").first()
    url = reverse("admin:sites_dailytally_simple_history", args=[tally.pk, first.history_id])
    form = client.get(url).context["adminform"].form  # the page shows the old version
    assert form.initial["count"] == 12
    posted = {name: getattr(value, "pk", value) for name, value in form.initial.items()}
    response = client.post(url, {key: value for key, value in posted.items() if value is not None})
    assert response.status_code == 403
    tally.refresh_from_db()
    assert (tally.count, tally.version) == (20, 3)


def test_staff_without_superuser_rights_do_not_read_the_changes(client, changes):
    staff = UserFactory(username="wanli_admin", is_staff=True)
    client.force_login(staff)
    assert changelist(client).status_code == 403
