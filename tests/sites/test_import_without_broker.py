"""An import confirmed while the job service (Redis) is down is not lost: the page
answers at once, the import stays queued and confirmable, and the periodic sweep sends it
once the service is back. No real broker: a port nothing listens on stands for a killed
Redis; "back" is the in-process mode, where a sent job runs at once."""

import datetime
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from portal.celery import app as celery_app
from sites.models import DailyTally, TallyImport
from sites.services.imports import tally_imports_send_queued
from sites.tasks import tally_imports_send_queued as tally_imports_send_queued_task
from tests.integration.conftest import use_broker
from tests.sites.test_import_pages import upload
from tests.sites.test_imports import ROWS, csv_file

pytestmark = pytest.mark.django_db(transaction=True)  # the job is sent after commit


@pytest.fixture
def clerk(client, site, committee, neighbour, subdistrict_staff, monkeypatch):
    monkeypatch.setattr("sites.services.imports.BACKGROUND_ROWS", 2)  # 4 rows: a background job
    client.force_login(subdistrict_staff)
    return client


@pytest.fixture
def broker_down():
    previous = celery_app.conf["task_always_eager"]
    celery_app.conf.update(task_always_eager=False)
    use_broker("redis://127.0.0.1:6390/0")  # nothing listens here
    yield
    broker_back(previous)


def broker_back(eager=True):
    celery_app.conf.update(task_always_eager=eager)
    use_broker(os.environ.get("CELERY_BROKER_URL", ""))


def confirm(client, log):
    return client.post(reverse("sites:import_confirm", args=[log.pk]), follow=True)


def test_confirmed_while_the_broker_is_down_it_waits_and_the_sweep_imports_it(clerk, broker_down):
    upload(clerk, csv_file(*ROWS))
    log = TallyImport.objects.get()
    page = confirm(clerk, log)
    assert page.status_code == 200
    text = page.content.decode()
    assert "排队中" in text
    assert "无法连接后台任务服务" in text  # the service cannot be reached; nothing is lost
    assert "确认导入" in text  # still confirmable
    log.refresh_from_db()
    assert (log.status, log.job_sent_at) == (TallyImport.Status.QUEUED, None)
    assert not DailyTally.objects.exists()

    assert confirm(clerk, log).status_code == 200  # again, still down: still waiting
    log.refresh_from_db()
    assert log.status == TallyImport.Status.QUEUED

    broker_back()
    tally_imports_send_queued_task.delay()  # what beat sends every 5 minutes
    log.refresh_from_db()
    assert log.status == TallyImport.Status.IMPORTED
    assert DailyTally.objects.count() == 4
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORTED).count() == 1


def test_confirming_again_once_the_broker_is_back_starts_it(clerk, broker_down):
    upload(clerk, csv_file(*ROWS))
    log = TallyImport.objects.get()
    confirm(clerk, log)
    broker_back()
    assert "已导入" in confirm(clerk, log).content.decode()
    assert DailyTally.objects.count() == 4


def test_the_sweep_sends_only_imports_no_worker_took(clerk, settings, monkeypatch):
    """Sent a minute ago: a worker may still take it. Sent longer ago than the broker's
    visibility timeout and still queued: the message was lost with the broker's queue."""
    upload(clerk, csv_file(*ROWS))
    log = TallyImport.objects.get()
    lost_after = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    sent = []
    monkeypatch.setattr("sites.services.imports.broker_send", lambda task, *args: sent.append(args))
    recently = timezone.now() - datetime.timedelta(minutes=1)
    TallyImport.objects.filter(pk=log.pk).update(
        status=TallyImport.Status.QUEUED, job_sent_at=recently
    )
    assert tally_imports_send_queued() == 0
    long_ago = timezone.now() - datetime.timedelta(seconds=lost_after + 60)
    TallyImport.objects.filter(pk=log.pk).update(job_sent_at=long_ago)
    assert tally_imports_send_queued() == 1
    assert sent == [(log.pk,)]
    TallyImport.objects.filter(pk=log.pk).update(status=TallyImport.Status.RUNNING)
    assert tally_imports_send_queued() == 0  # taken by a worker: not sent again
