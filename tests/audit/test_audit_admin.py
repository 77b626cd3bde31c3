"""The whole audit is read by administrators in the admin, in Chinese: events, tally
changes and snapshot builds. Nobody adds, changes or deletes a row there: not staff
holding every permission on them, not even a superuser. Lists cost the same queries
however many rows a page shows."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, SnapshotBuild
from audit.services import audit_record, snapshot_build_record
from sites.models import TallyChange
from tests.factories import DailyTallyFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2021, 4, 29)


def an_event(n=0):
    user = UserFactory(username=f"clerk{n}")
    return audit_record(
        kind=AuditEvent.Kind.IMPORTED,
        user=user,
        detail={
            "model": "tally",
            "import_id": 7,
            "file": "二七区导出.csv",
            "sha256": "ab" * 32,
            "outcome": "imported",
            "rows": 4,
            "new": 3,
            "updated": 1,
            "unchanged": 0,
            "rejected": 0,
        },
    )


def a_build(n=0):
    now = timezone.now()
    return snapshot_build_record(
        first_date=DAY - datetime.timedelta(days=n),
        last_date=DAY,
        started_at=now,
        finished_at=now + datetime.timedelta(seconds=2.5),
        computed_at=now,
        tallies_changed_at=now - datetime.timedelta(minutes=1),
        trigger=SnapshotBuild.Trigger.EAGER,
        job="reports.tasks.snapshots_rebuild_stale",
        task_id=f"task-{n}",
    )


def a_change(n=0):
    tally = DailyTallyFactory(date=DAY - datetime.timedelta(days=n))
    return TallyChange.objects.get(id=tally.pk)


MAKERS = {"auditevent": an_event, "snapshotbuild": a_build, "tallychange": a_change}
MODELS = list(MAKERS)
# Tally changes are the tallies' history: their admin lives with the tallies, in sites.
APPS = {"tallychange": "sites"}


def url(model, view, *args):
    return reverse(f"admin:{APPS.get(model, 'audit')}_{model}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_superusers_read_every_part_of_the_audit(client, administrator, model):
    row = MAKERS[model]()
    client.force_login(administrator)
    assert client.get(url(model, "changelist")).status_code == 200
    detail = client.get(url(model, "change", row.pk))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_not_even_a_superuser_adds_changes_or_deletes_audit_rows(client, administrator, model):
    row = MAKERS[model]()
    model_class = type(row)
    before = list(model_class.objects.values())
    kept = list(model_class.objects.values_list("pk", flat=True))
    client.force_login(administrator)
    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), {}).status_code == 403
    assert client.post(url(model, "change", row.pk), {"username": "x"}).status_code == 403
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    changelist = client.get(url(model, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    # The refused tries are themselves recorded (403); what was there is unchanged.
    assert list(model_class.objects.filter(pk__in=kept).values()) == before


@pytest.mark.parametrize("model", MODELS)
def test_staff_holding_every_audit_permission_still_read_nothing(client, model):
    row = MAKERS[model]()
    staff = UserFactory(username="wanli_admin", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label="audit")
            | Q(content_type__app_label="sites", content_type__model="tallychange")
        )
    )
    client.force_login(staff)
    for view, args in (("changelist", []), ("change", [row.pk]), ("add", [])):
        assert client.get(url(model, view, *args)).status_code == 403
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert url(model, "changelist") not in index


def test_the_admin_index_has_the_audit_section_in_chinese(client, administrator):
    client.force_login(administrator)
    index = client.get(reverse("admin:index")).content.decode()
    for label in ("审计", "审计记录", "计数变更", "统计快照生成记录"):
        assert label in index


def test_an_event_reads_as_a_chinese_summary(client, administrator):
    an_event()
    client.force_login(administrator)
    page = client.get(url("auditevent", "changelist")).content.decode()
    assert "导入结束" in page
    summary = (
        "导入数据: 每日接种数 · 文件名: 二七区导出.csv · SHA-256: " + "ab" * 32 + " · 结果: 已导入"
        " · 行数: 4 · 新增: 3 · 修改: 1 · 未变: 0 · 出错: 0"
    )
    assert summary in page
    assert "import_id" not in page


def test_a_snapshot_build_reads_in_chinese(client, administrator):
    build = a_build()
    client.force_login(administrator)
    page = client.get(url("snapshotbuild", "changelist")).content.decode()
    for text in ("进程内任务", "已生成", "reports.tasks.snapshots_rebuild_stale", "task-0", "2.5"):
        assert text in page
    detail = client.get(url("snapshotbuild", "change", build.pk)).content.decode()
    assert "所见最新计数变更" in detail
    assert "数据截至时间" in detail


@pytest.mark.parametrize("model", MODELS)
def test_a_list_costs_the_same_queries_for_5_or_40_rows(client, administrator, model):
    client.force_login(administrator)

    def queries_for(rows: int, offset: int) -> int:
        for n in range(offset, offset + rows):
            MAKERS[model](n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(model, "changelist"))
        assert len(response.context["cl"].result_list) == response.context["cl"].result_count
        return len(queries)

    few = queries_for(5, 0)
    many = queries_for(35, 5)  # 40 in all
    assert few == many
