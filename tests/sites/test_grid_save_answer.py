"""The grid's save: applied once per key, answered as JSON to the page's script, "nobody
came" that never throws numbers away, cleared cells, and days that cannot be entered."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import CommitteeDay
from sites.models import DailyTally, SaveReceipt
from sites.services import receipts
from sites.tasks import tally_imports_expire
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


def key():
    return str(uuid.uuid4())


def removals():
    return DailyTally.history.filter(history_type="-")


# --- exactly once


def test_two_identical_posts_with_one_key_save_once_and_answer_alike(
    client, subdistrict_staff, site, committee, neighbour
):
    client.force_login(subdistrict_staff)
    data = {field(committee): "12", field(neighbour, "second"): "3", "save_key": key()}
    first = client.post(grid_url(site), data, **JSON)
    second = client.post(grid_url(site), data, **JSON)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    answer = first.json()
    assert answer["outcome"] == "saved"
    assert answer["saved"] == {"created": 2, "updated": 0, "unchanged": 0, "cleared": 0}
    assert answer["message"] == "已保存：新增 2 格，修改 0 格，0 格未变。"
    assert answer["values"][field(committee)] == "12"
    assert answer["values"][field(None)] == ""
    assert answer["versions"][version(committee)] == "1"
    assert sorted(DailyTally.objects.values_list("count", "version")) == [(3, 1), (12, 1)]
    assert DailyTally.history.count() == 2


def test_a_change_sent_twice_is_one_history_row_not_two(client, subdistrict_staff, site, committee):
    DailyTallyFactory(site=site, committee=committee, date=TODAY, count=10)
    client.force_login(subdistrict_staff)
    data = {field(committee): "14", version(committee): "1", "save_key": key()}
    answers = [client.post(grid_url(site), data, **JSON).json() for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["saved"]["updated"] == 1
    tally = DailyTally.objects.get()
    assert (tally.count, tally.version) == (14, 2)
    changes = DailyTally.history.filter(history_type="~")
    assert list(changes.values_list("previous_count", "count")) == [(10, 14)]


def test_the_form_without_script_carries_a_key_and_a_resubmission_saves_once(
    client, subdistrict_staff, site, committee
):
    client.force_login(subdistrict_staff)
    page = client.get(grid_url(site)).content.decode()
    form_key = re.search(r'name="save_key" value="([0-9a-f-]{36})"', page).group(1)
    data = {field(committee): "7", "save_key": form_key}
    first = client.post(grid_url(site), data, follow=True)
    again = client.post(grid_url(site), data, follow=True)  # "confirm form resubmission"
    assert "已保存：新增 1 格" in first.content.decode()
    assert "已保存：新增 1 格" in again.content.decode()  # the first answer, not "0 changed"
    assert DailyTally.objects.get().count == 7
    assert DailyTally.history.count() == 1
    next_key = re.search(r'name="save_key" value="([0-9a-f-]{36})"', again.content.decode())
    assert next_key.group(1) != form_key  # the page after a save starts a new one


def test_same_key_at_the_same_moment_the_second_reads_the_first_answer(
    client, subdistrict_staff, site, committee, monkeypatch
):
    """The race: the second request looked before the first committed, so its insert of
    the receipt meets the unique key; it then answers the first's answer, writing nothing."""
    client.force_login(subdistrict_staff)
    data = {field(committee): "9", "save_key": key()}
    first = client.post(grid_url(site), data, **JSON)
    kept_answer = receipts._kept_answer
    looks = []

    def not_there_yet(user, save_key):
        looks.append(save_key)
        return None if len(looks) == 1 else kept_answer(user, save_key)

    monkeypatch.setattr(receipts, "_kept_answer", not_there_yet)
    second = client.post(grid_url(site), data, **JSON)
    assert len(looks) == 2
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert DailyTally.objects.get().version == 1
    assert DailyTally.history.count() == 1
    assert SaveReceipt.objects.count() == 1


def test_another_account_cannot_replay_a_key(
    client, subdistrict_staff, administrator, site, committee
):
    client.force_login(subdistrict_staff)
    save_key = key()
    client.post(grid_url(site), {field(committee): "5", "save_key": save_key}, **JSON)
    client.force_login(administrator)
    response = client.post(grid_url(site), {field(committee): "6", "save_key": save_key}, **JSON)
    assert response.status_code == 422
    assert response.json()["outcome"] == "refused"
    assert "另一个账号" in response.json()["message"]
    assert DailyTally.objects.get().count == 5


def test_receipts_older_than_a_month_are_purged_by_the_hourly_sweep(
    client, subdistrict_staff, site, committee
):
    client.force_login(subdistrict_staff)
    for count in ("1", "2"):
        client.post(grid_url(site), {field(committee): count, "save_key": key()}, **JSON)
    old = SaveReceipt.objects.order_by("pk").first()
    SaveReceipt.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )
    tally_imports_expire()
    assert list(SaveReceipt.objects.values_list("pk", flat=True)) != [old.pk]
    assert SaveReceipt.objects.count() == 1


# --- the JSON answer of each outcome


def test_a_bad_cell_answers_422_with_the_error_under_the_cell(
    client, subdistrict_staff, site, committee, neighbour
):
    client.force_login(subdistrict_staff)
    response = client.post(
        grid_url(site), {field(committee): "-3", field(neighbour): "4", "save_key": key()}, **JSON
    )
    assert response.status_code == 422
    answer = response.json()
    assert answer["outcome"] == "refused"
    assert answer["message"] == "未保存任何数据：请更正标红的格子。"
    assert answer["errors"] == {field(committee): ["接种数不能为负数。"]}
    assert answer["needs_reason"] is False
    assert not DailyTally.objects.exists()


def test_a_conflict_answers_409_with_both_values_who_and_the_fresh_versions(
    client, subdistrict_staff, administrator, site, committee
):
    DailyTallyFactory(site=site, committee=committee, date=TODAY, count=10)
    client.force_login(administrator)
    client.post(grid_url(site), {field(committee): "14", version(committee): "1"})
    client.force_login(subdistrict_staff)
    stale = {field(committee): "16", version(committee): "1", "save_key": key()}
    response = client.post(grid_url(site), stale, **JSON)
    assert response.status_code == 409
    answer = response.json()
    assert answer["outcome"] == "conflict"
    [conflict] = answer["conflicts"]
    assert conflict["field"] == field(committee)
    assert (conflict["mine"], conflict["theirs"], conflict["by"]) == ("16", "14", "admin")
    assert conflict["label"] == "万里雅筑居民区 · 第一剂"
    assert answer["values"][field(committee)] == "14"
    assert answer["versions"][version(committee)] == "2"
    assert DailyTally.objects.get().count == 14
    replay = client.post(grid_url(site), stale, **JSON)
    assert (replay.status_code, replay.json()) == (409, answer)


def test_figures_above_capacity_answer_unusual_then_save_when_confirmed(
    client, subdistrict_staff, site, committee
):
    client.force_login(subdistrict_staff)
    response = client.post(grid_url(site), {field(committee): "400", "save_key": key()}, **JSON)
    assert response.status_code == 422
    assert response.json()["outcome"] == "unusual"
    assert "超过该接种点日接种能力 300" in response.json()["message"]
    assert not DailyTally.objects.exists()
    confirmed = {field(committee): "400", "capacity_confirmed": "on", "save_key": key()}
    assert client.post(grid_url(site), confirmed, **JSON).status_code == 200
    assert DailyTally.objects.get().count == 400


def test_a_past_day_change_without_reason_names_the_reason_field(
    client, subdistrict_staff, site, committee
):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=12)
    client.force_login(subdistrict_staff)
    data = {field(committee): "15", version(committee): "1", "save_key": key()}
    response = client.post(grid_url(site, YESTERDAY), data, **JSON)
    assert response.status_code == 422
    answer = response.json()
    assert answer["needs_reason"] is True
    assert answer["errors"] == {"reason": ["修改以往日期的数据需要填写原因。"]}
    assert DailyTally.objects.get().count == 12


def test_the_reason_box_is_above_the_grid_and_holds_its_error_and_the_cursor(
    client, subdistrict_staff, site, committee
):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=12)
    client.force_login(subdistrict_staff)
    page = client.get(grid_url(site, YESTERDAY)).content.decode()
    assert page.index('id="reason-box"') < page.index('<table class="grid"')
    data = {field(committee): "15", version(committee): "1"}
    page = client.post(grid_url(site, YESTERDAY), data).content.decode()
    box = page[page.index('id="reason-box"') : page.index('<table class="grid"')]
    assert "修改以往日期的数据需要填写原因" in box
    assert re.search(r'<input[^>]*name="reason"[^>]*autofocus', box)


# --- nobody came


def test_nobody_came_is_its_own_form_and_names_the_day(client, subdistrict_staff, site):
    client.force_login(subdistrict_staff)
    page = client.get(grid_url(site, YESTERDAY)).content.decode()
    zero_form = page[page.index('id="report-zero"') : page.index('id="tally-grid"')]
    assert "当日无人接种，报 0" in zero_form
    assert "今日" not in page
    actions = page[page.index('class="actions"') :]
    assert "report_zero" not in actions


@pytest.mark.parametrize("as_json", [True, False])
def test_nobody_came_with_numbers_typed_is_refused_and_writes_nothing(
    client, subdistrict_staff, site, committee, as_json
):
    client.force_login(subdistrict_staff)
    data = {"report_zero": "1", field(committee): "3", field(None): "5", "save_key": key()}
    headers = JSON if as_json else {}
    response = client.post(grid_url(site), data, **headers)
    if as_json:
        assert response.status_code == 422
        assert response.json()["outcome"] == "refused"
        assert response.json()["message"].startswith("格子里已填写数字")
    else:
        page = response.content.decode()
        assert "格子里已填写数字" in page
        assert 'value="3"' in page
    assert not DailyTally.objects.exists()
    assert not DailyTally.history.exists()


def test_nobody_came_alone_reports_zero(client, subdistrict_staff, site):
    client.force_login(subdistrict_staff)
    response = client.post(grid_url(site), {"report_zero": "1", "save_key": key()}, **JSON)
    assert response.status_code == 200
    assert DailyTally.objects.get().count == 0


# --- clearing a cell


def test_emptying_a_saved_cell_clears_it_with_a_removal_in_the_history(
    client, subdistrict_staff, site, committee, neighbour
):
    client.force_login(subdistrict_staff)
    client.post(grid_url(site), {field(committee): "12", field(neighbour): "4"})
    data = {field(committee): "", version(committee): "1", field(neighbour): "4"}
    data[version(neighbour)] = "1"
    response = client.post(grid_url(site), {**data, "save_key": key()}, **JSON)
    assert response.status_code == 200
    answer = response.json()
    assert answer["saved"] == {"created": 0, "updated": 0, "unchanged": 1, "cleared": 1}
    assert "清空 1 格" in answer["message"]
    assert answer["values"][field(committee)] == ""
    assert answer["versions"][version(committee)] == ""
    assert list(DailyTally.objects.values_list("committee", "count")) == [(neighbour.pk, 4)]
    [removal] = removals()
    assert (removal.committee_id, removal.previous_count) == (committee.pk, 12)
    page = client.get(grid_url(site)).content.decode()
    assert "12 → –" in page


def test_a_cell_left_out_of_the_post_is_not_cleared(client, subdistrict_staff, site, committee):
    DailyTallyFactory(site=site, committee=committee, date=TODAY, count=12)
    client.force_login(subdistrict_staff)
    client.post(grid_url(site), {field(None): "2"})
    assert DailyTally.objects.filter(committee=committee).get().count == 12


def test_clearing_a_cell_somebody_else_changed_is_a_conflict(
    client, subdistrict_staff, administrator, site, committee
):
    DailyTallyFactory(site=site, committee=committee, date=TODAY, count=12)
    client.force_login(administrator)
    client.post(grid_url(site), {field(committee): "13", version(committee): "1"})
    client.force_login(subdistrict_staff)
    data = {field(committee): "", version(committee): "1", "save_key": key()}
    response = client.post(grid_url(site), data, **JSON)
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["mine"] == ""
    assert DailyTally.objects.get().count == 13
    assert not removals().exists()


def test_clearing_an_earlier_day_needs_a_reason(client, subdistrict_staff, site, committee):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=12)
    client.force_login(subdistrict_staff)
    data = {field(committee): "", version(committee): "1"}
    page = client.post(grid_url(site, YESTERDAY), data).content.decode()
    assert "修改以往日期的数据需要填写原因" in page
    assert DailyTally.objects.exists()
    client.post(grid_url(site, YESTERDAY), {**data, "reason": "重复登记"})
    assert not DailyTally.objects.exists()
    assert removals().get().history_change_reason == "重复登记"


def test_the_lock_date_holds_for_clearing_except_for_administrators(
    client, subdistrict_staff, administrator, site, committee, subdistrict
):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=12)
    subdistrict.lock_date = TODAY
    subdistrict.save()
    data = {field(committee): "", version(committee): "1", "reason": "重复登记"}
    client.force_login(subdistrict_staff)
    response = client.post(grid_url(site, YESTERDAY), {**data, "save_key": key()}, **JSON)
    assert response.status_code == 422
    assert "只有管理员可以修改" in response.json()["message"]
    assert DailyTally.objects.exists()
    client.force_login(administrator)
    assert client.post(grid_url(site, YESTERDAY), data, **JSON).status_code == 200
    assert not DailyTally.objects.exists()


# --- days that cannot be entered, and codes


def inputs_open(page):
    """Count inputs of the grid a user could type in."""
    cells = re.findall(r'<input[^>]*class="cell"[^>]*>', page)
    return [cell for cell in cells if "disabled" not in cell]


@pytest.mark.parametrize(
    ("day", "lock", "message"),
    [
        (TODAY + datetime.timedelta(days=1), None, "2021-07-01 是未来的日期"),
        (datetime.date(2021, 6, 6), None, "在 2021-06-06 当天未开放"),
        (YESTERDAY, TODAY, "只有管理员可以修改"),
    ],
    ids=["future", "site closed", "locked"],
)
def test_a_day_that_cannot_be_entered_opens_read_only_and_refuses_a_post(
    client, subdistrict_staff, site, committee, subdistrict, day, lock, message
):
    subdistrict.lock_date = lock
    subdistrict.save()
    client.force_login(subdistrict_staff)
    page = client.get(grid_url(site, day)).content.decode()
    assert "该日不能在此录入，表格为只读" in page
    assert message in page
    assert re.findall(r'<input[^>]*class="cell"', page)
    assert not inputs_open(page)
    assert 'name="save"' not in page
    assert "report_zero" not in page
    response = client.post(grid_url(site, day), {field(committee): "3", "save_key": key()}, **JSON)
    assert response.status_code == 422
    assert message in response.json()["message"]
    empty = client.post(grid_url(site, day), {"report_zero": "1"}, **JSON)
    assert empty.status_code == 422
    assert not DailyTally.objects.exists()


def test_an_administrator_enters_a_locked_day(client, administrator, site, subdistrict):
    subdistrict.lock_date = TODAY
    subdistrict.save()
    client.force_login(administrator)
    page = client.get(grid_url(site, YESTERDAY)).content.decode()
    assert "只读" not in page
    assert inputs_open(page)


def test_the_site_list_says_why_a_day_cannot_be_entered(
    client, subdistrict_staff, site, subdistrict
):
    client.force_login(subdistrict_staff)
    html = client.get(reverse("sites:entry_index") + "?date=2021-06-29").content.decode()
    assert "已锁定" not in html
    subdistrict.lock_date = TODAY
    subdistrict.save()
    html = client.get(reverse("sites:entry_index") + "?date=2021-06-29").content.decode()
    assert "已锁定，仅管理员可修改当日数据" in html
    assert 'class="status missing"' not in html


def test_codes_are_on_the_site_list_and_the_grid(
    client, subdistrict_staff, site, committee, neighbour
):
    client.force_login(subdistrict_staff)
    html = client.get(reverse("sites:entry_index")).content.decode()
    assert '<small class="code">WL-T-XZ</small>' in html
    page = client.get(grid_url(site)).content.decode()
    assert '<small class="code">WL-T-XZ</small>' in page
    assert '<small class="code">310107-WL-01</small>' in page
    assert '<small class="code">310107-WL-02</small>' in page


@pytest.mark.parametrize("save_key", ["x" * 5000, "²", "1234", "", "../../etc"])
def test_a_key_that_is_not_a_uuid_saves_as_before_without_a_receipt(
    client, subdistrict_staff, site, committee, save_key
):
    client.force_login(subdistrict_staff)
    data = {field(committee): "4", "save_key": save_key}
    response = client.post(grid_url(site), data, **JSON)
    assert response.status_code == 200
    assert DailyTally.objects.get().count == 4
    assert not SaveReceipt.objects.exists()


def test_a_cleared_cell_leaves_the_committee_figures(
    client, subdistrict_staff, site, committee, django_capture_on_commit_callbacks
):
    client.force_login(subdistrict_staff)
    with django_capture_on_commit_callbacks(execute=True):  # the rebuild runs, as in production
        client.post(grid_url(site), {field(committee): "12", field(committee, "second"): "2"})
    assert CommitteeDay.objects.get(committee=committee, date=TODAY).first_doses == 12
    data = {field(committee): "", version(committee): "1", field(committee, "second"): "2"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(grid_url(site), {**data, version(committee, "second"): "1"})
    day = CommitteeDay.objects.get(committee=committee, date=TODAY)
    assert (day.first_doses, day.second_doses) == (0, 2)
