"""The grid's save: applied once per key, and answered as JSON to the page's script."""

import uuid

import pytest
from django.urls import reverse

from sites.models import DailyTally, SaveReceipt
from tests.factories import DailyTallyFactory
from tests.sites.conftest import TODAY, YESTERDAY

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def grid_url(site, on=TODAY):
    return reverse("sites:entry", args=[site.pk, on.isoformat()])


def field(committee, dose="first"):
    return f"count-{committee.pk if committee else 'nr'}-{dose}"


def version(committee, dose="first"):
    return f"version-{committee.pk if committee else 'nr'}-{dose}"


def history_rows():
    return DailyTally.history.count()


def test_two_identical_posts_with_one_key_save_once_and_answer_alike(
    client, subdistrict_staff, site, committee, neighbour
):
    client.force_login(subdistrict_staff)
    data = {field(committee): "12", field(neighbour, "second"): "3", "save_key": str(uuid.uuid4())}
    first = client.post(grid_url(site), data, **JSON)
    second = client.post(grid_url(site), data, **JSON)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["outcome"] == "saved"
    assert first.json()["saved"] == {"created": 2, "updated": 0, "unchanged": 0, "cleared": 0}
    assert first.json()["message"] == "已保存：新增 2 格，修改 0 格，0 格未变。"
    assert first.json()["values"][field(committee)] == "12"
    assert first.json()["values"][field(None)] == ""
    assert first.json()["versions"][version(committee)] == "1"
    assert sorted(DailyTally.objects.values_list("count", "version")) == [(3, 1), (12, 1)]
    assert history_rows() == 2
    assert SaveReceipt.objects.count() == 1
