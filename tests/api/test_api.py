"""The API as a district system uses it: the scope matrix of its tokens, pushing files
(dry run, twice, bad rows, idempotency, large files, rate limit), the figures with ETags,
problem details in the client's language and an audit event per call."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, IdempotentAnswer
from api.services import api_token_revoke
from audit.models import AuditEvent
from sites.models import DailyTally, TallyImport
from sites.services import imports
from tests.api.conftest import DAY, client_for, csv_file, token_of

pytestmark = pytest.mark.django_db

TALLIES = "/api/v1/tallies/"
READS = ["/api/v1/areas/", "/api/v1/sites/", "/api/v1/ranking/", "/api/v1/targets/"]


def written() -> tuple[int, int]:
    """Tallies and history rows: what a write changes."""
    return DailyTally.objects.count(), DailyTally.history.count()


def push(key: str, content: bytes, *, name="day.csv", query="", **headers):
    upload = SimpleUploadedFile(name, content)
    return client_for(key, **headers).post(TALLIES + query, {"file": upload}, format="multipart")


def home_line(place, count=5, day=DAY) -> str:
    return f"{day},{place.site.code},{place.committee.code},first,{count}"


# --- scope matrix -------------------------------------------------------------------------


def test_a_subdistrict_token_reads_only_its_subdistrict(world, reader):
    _token, key = reader
    client = client_for(key)
    areas = {row["code"] for row in client.get("/api/v1/areas/").json()["areas"]}
    assert areas == {"home-S", "home-C"}
    sites = {row["code"] for row in client.get("/api/v1/sites/").json()["sites"]}
    assert sites == {"home-SITE"}
    for path in ["/api/v1/ranking/", "/api/v1/targets/", "/api/v1/summary/"]:
        assert client.get(path).json()["area"]["code"] == "home-S"
        assert client.get(path, {"area": "home-S"}).status_code == 200
        for foreign in ["neighbour-S", "far-S", "PT", "EQ", "nothing"]:
            response = client.get(path, {"area": foreign})
            assert response.status_code == 404, (path, foreign)
            assert response["Content-Type"] == "application/problem+json"


def test_a_district_token_reads_its_district_and_nothing_else(world, district_reader):
    _token, key = district_reader
    client = client_for(key)
    areas = {row["code"] for row in client.get("/api/v1/areas/").json()["areas"]}
    assert areas == {"PT", "home-S", "home-C", "neighbour-S", "neighbour-C"}
    ranking = client.get("/api/v1/ranking/").json()
    assert ranking["area"]["code"] == "PT"
    assert {row["committee"] for row in ranking["rows"]} == {"home-C", "neighbour-C"}
    assert client.get("/api/v1/ranking/", {"area": "neighbour-S"}).status_code == 200
    for path in ["/api/v1/ranking/", "/api/v1/targets/", "/api/v1/summary/"]:
        assert client.get(path, {"area": "far-S"}).status_code == 404
        assert client.get(path, {"area": "EQ"}).status_code == 404


def test_a_token_cannot_write_another_subdistricts_tallies(world, writer):
    _token, key = writer
    neighbour, far = world["neighbour"], world["far"]
    before = written()
    response = push(key, csv_file(home_line(neighbour), home_line(far)))
    assert response.status_code == 422
    assert [row["line"] for row in response.json()["rejected_rows"]] == [2, 3]
    rows = [
        {"date": DAY, "site_code": far.site.code, "dose": "first", "count": 3},
    ]
    response = client_for(key).post(TALLIES, {"rows": rows}, format="json")
    assert response.status_code == 422
    assert response.json()["rejected_rows"][0]["line"] == 1
    assert written() == before


def test_a_token_cannot_poll_another_subdistricts_import(world, writer):
    _token, key = writer
    _other, other_key = token_of(subdistrict=world["neighbour"].subdistrict)
    answer = push(other_key, csv_file(home_line(world["neighbour"])), query="?dry_run=true")
    import_id = answer.json()["import_id"]
    assert client_for(other_key).get(f"/api/v1/imports/{import_id}/").status_code == 200
    assert client_for(key).get(f"/api/v1/imports/{import_id}/").status_code == 404


def test_a_read_token_cannot_write(world, reader, district_reader):
    before = written()
    for _token, key in (reader, district_reader):
        response = push(key, csv_file(home_line(world["home"])))
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
    assert written() == before
    assert not TallyImport.objects.exists()


def test_revoked_expired_wrong_and_missing_tokens_get_401(world, writer, reader):
    token, key = reader
    client = client_for(key)
    assert client.get("/api/v1/areas/").status_code == 200
    api_token_revoke(token=token)
    assert client.get("/api/v1/areas/").status_code == 401  # at once: nothing cached

    writer_token, writer_key = writer
    ApiToken.objects.filter(pk=writer_token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    before = written()
    assert push(writer_key, csv_file(home_line(world["home"]))).status_code == 401
    assert written() == before

    for header in ["Bearer sv_nope", "Bearer", "Bearer a b"]:
        response = client_for(None, HTTP_AUTHORIZATION=header).get("/api/v1/areas/")
        assert response.status_code == 401, header
    response = client_for(None).get("/api/v1/areas/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_portal_session_is_not_a_token(client, world, subdistrict_staff):
    client.force_login(subdistrict_staff)
    assert client.get("/api/v1/areas/").status_code == 401
    before = written()
    upload = SimpleUploadedFile("x.csv", csv_file(home_line(world["home"])))
    assert client.post(TALLIES, {"file": upload}).status_code == 401
    assert written() == before


# --- pushing files ------------------------------------------------------------------------


def test_a_dry_run_counts_and_writes_nothing(world, writer):
    _token, key = writer
    before = written()
    response = push(key, csv_file(home_line(world["home"])), query="?dry_run=true")
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["dry_run"], body["new"], body["rejected"]) == (
        "checked",
        True,
        1,
        0,
    )
    assert written() == before


def test_a_good_file_is_imported_with_its_counts_and_history(world, writer):
    token, key = writer
    home = world["home"]
    day_28 = home_line(home, count=7, day="2021-06-28")  # already stored: unchanged
    response = push(key, csv_file(home_line(home, 5), day_28))
    body = response.json()
    assert response.status_code == 200, body
    assert (body["outcome"], body["new"], body["unchanged"]) == ("imported", 1, 1)
    stored = DailyTally.objects.get(site=home.site, date=DAY)
    assert stored.count == 5
    change = stored.history.get()
    assert change.history_user == token.user
    assert token.name in change.history_user.first_name


def test_the_same_file_twice_writes_once(world, writer):
    _token, key = writer
    content = csv_file(home_line(world["home"]))
    assert push(key, content).json()["outcome"] == "imported"
    after_first = written()
    again = push(key, content, name="renamed.csv")
    assert again.status_code == 200
    assert again.json()["outcome"] == "already"
    assert again.json()["message"]
    assert written() == after_first


def test_the_same_idempotency_key_twice_writes_once(world, writer):
    _token, key = writer
    rows = [{"date": DAY, "site_code": "home-SITE", "committee_code": "home-C", "dose": "第一剂"}]
    rows[0]["count"] = 4
    client = client_for(key, HTTP_IDEMPOTENCY_KEY="day-2021-06-29")
    first = client.post(TALLIES, {"rows": rows}, format="json")
    assert first.status_code == 200
    assert first.json()["new"] == 1
    after_first, imports_after_first = written(), TallyImport.objects.count()
    second = client.post(TALLIES, {"rows": rows}, format="json")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert (written(), TallyImport.objects.count()) == (after_first, imports_after_first)
    rows[0]["count"] = 9
    reused = client.post(TALLIES, {"rows": rows}, format="json")
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("idempotency-key-reused")
    assert written() == after_first
    assert IdempotentAnswer.objects.count() == 1


def test_a_bad_file_writes_nothing_and_lists_every_bad_line(world, writer):
    _token, key = writer
    home = world["home"]
    before = written()
    content = csv_file(
        home_line(home, 5),
        f"2021-06-31,{home.site.code},{home.committee.code},first,1",
        f"{DAY},NOPE,,first,1",
        f"{DAY},{home.site.code},{home.committee.code},fourth,-2",
        "2099-01-01," + f"{home.site.code},,second,1",
    )
    response = push(key, content)
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:streetvax:problem:rejected-rows"
    assert body["status"] == 422
    assert body["outcome"] == "refused"
    lines = [(row["line"], row["column"]) for row in body["rejected_rows"]]
    assert lines == [(3, "date"), (4, "site_code"), (5, "dose"), (5, "count"), (6, "date")]
    assert body["rejected"] == 4
    assert all(row["message"] for row in body["rejected_rows"])
    assert written() == before


def test_an_xlsx_file_goes_through_the_same_check(world, writer):
    _token, key = writer
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["接种日期", "接种点编码", "居委编码", "剂次", "接种数"])
    sheet.append([datetime.date(2021, 6, 29), "home-SITE", "home-C", "第一剂", 6])
    sheet.append([datetime.date(2021, 6, 29), "far-SITE", "", "第一剂", 6])
    buffer = io.BytesIO()
    book.save(buffer)
    response = push(key, buffer.getvalue(), name="day.xlsx")
    assert response.status_code == 422
    assert [(r["line"], r["column"]) for r in response.json()["rejected_rows"]] == [
        (3, "接种点编码")  # named as the file's header writes it
    ]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    response = push(key, buffer.getvalue(), name="day.xlsx")
    assert response.json()["outcome"] == "imported", response.json()
    assert DailyTally.objects.get(site=world["home"].site, date=DAY).count == 6
    assert push(key, b"PK\x03\x04 not a workbook", name="bad.xlsx").status_code == 422


def test_a_large_file_answers_202_with_a_job_to_poll(
    world, writer, monkeypatch, django_capture_on_commit_callbacks
):
    _token, key = writer
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = push(key, csv_file(home_line(world["home"])))
    assert response.status_code == 202
    job = response["Location"]
    assert job == response.json()["job"]
    assert client_for(key).get(job).json()["outcome"] == "queued"
    for callback in callbacks:
        callback()  # the background job (in-process in the tests)
    polled = client_for(key).get(job)
    assert polled.json()["outcome"] == "imported"
    assert polled.json()["job"] is None
    assert DailyTally.objects.filter(site=world["home"].site, date=DAY).exists()


def test_writes_are_rate_limited_per_token(world, writer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_writes": "2/min"},
    }
    _token, key = writer
    _other, other_key = token_of(subdistrict=world["home"].subdistrict)
    for count in (1, 2):
        assert push(key, csv_file(home_line(world["home"], count))).status_code == 200
    before = written()
    limited = push(key, csv_file(home_line(world["home"], 3)))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert limited["Content-Type"] == "application/problem+json"
    assert written() == before
    assert client_for(key).get("/api/v1/areas/").status_code == 200  # reads are not limited
    assert push(other_key, csv_file(home_line(world["home"], 3))).status_code == 200


# --- reads --------------------------------------------------------------------------------


def test_every_answer_has_its_data_as_of_and_an_etag(world, reader):
    _token, key = reader
    client = client_for(key)
    for path in [*READS, "/api/v1/summary/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.json()["data_as_of"], path
        etag = response["ETag"]
        again = client.get(path, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, path
        assert again.content == b""


def test_the_etag_changes_when_the_figures_do(world, writer):
    from reports.services.snapshots import snapshots_rebuild

    _token, key = writer
    client = client_for(key)
    first = client.get("/api/v1/ranking/", {"date": DAY})
    push(key, csv_file(home_line(world["home"], 11)))
    snapshots_rebuild(start=datetime.date(2021, 6, 29))
    second = client.get("/api/v1/ranking/", {"date": DAY}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["rows"][0]["doses_today"] == 11
    assert second.json()["data_as_of"] != first.json()["data_as_of"]


def test_the_figures_are_the_pages_figures(world, district_reader):
    _token, key = district_reader
    client = client_for(key)
    summary = client.get("/api/v1/summary/", {"area": "home-S", "date": "2021-06-28"}).json()
    assert summary["bulletin"]["totals"]["doses_today"] == 7
    district = client.get("/api/v1/summary/", {"date": "2021-06-28"}).json()
    assert district["totals"]["doses_today"] == 14
    assert [row["code"] for row in district["subdistricts"]] == ["home-S", "neighbour-S"]
    targets = client.get("/api/v1/targets/", {"area": "home-S"}).json()["targets"]
    assert [(t["name"], t["achieved"]) for t in targets] == [("home六月目标", 7)]
    ranking = client.get("/api/v1/ranking/", {"sort": "doses_today", "date": "2021-06-28"})
    assert [row["doses_today"] for row in ranking.json()["rows"]] == [7, 7]
    assert client.get("/api/v1/summary/", {"date": "2021-01-01"}).status_code == 404


def test_bad_parameters_are_problems_not_errors(world, reader):
    _token, key = reader
    client = client_for(key)
    for query in [{"date": "2021-02-30"}, {"sort": "nope"}, {"date": "x" * 500}]:
        response = client.get("/api/v1/ranking/", query)
        assert response.status_code == 400, query
        assert response["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/imports/999999/").status_code == 404


# --- language and audit -------------------------------------------------------------------


def test_problems_are_in_chinese_unless_english_is_asked_for(world):
    chinese = client_for(None).get("/api/v1/areas/").json()
    assert chinese["title"] == "需要有效的令牌。"
    english = client_for(None, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/api/v1/areas/")
    assert english.json()["title"] == "A valid token is required."
    assert english["Content-Language"] == "en"


def test_every_call_is_one_audit_event(world, writer, reader):
    _token, key = writer
    _reader, reader_key = reader
    calls = [
        lambda: client_for(key).get("/api/v1/areas/"),
        lambda: client_for(key).get("/api/v1/ranking/", {"area": "far-S"}),  # 404
        lambda: client_for(None).get("/api/v1/areas/"),  # 401
        lambda: push(reader_key, csv_file(home_line(world["home"]))),  # 403
        lambda: push(key, csv_file(home_line(world["home"]))),  # imported
    ]
    for call in calls:
        before = AuditEvent.objects.count()
        status = call().status_code
        events = AuditEvent.objects.order_by("-pk")[: AuditEvent.objects.count() - before]
        api_events = [e for e in events if e.kind == AuditEvent.Kind.API_CALL]
        assert len(api_events) == 1, status
        assert api_events[0].status == status
        assert not [e for e in events if e.kind == AuditEvent.Kind.REFUSED]
    last = AuditEvent.objects.filter(kind=AuditEvent.Kind.API_CALL).first()
    assert last.path == TALLIES
    assert last.detail["token_name"] == "区接种系统"  # noqa: S105 - a name
    assert last.detail["outcome"] == "imported"
    assert last.username.startswith("api-")


def test_the_last_use_is_recorded(world, reader):
    token, key = reader
    assert token.last_used_at is None
    client_for(key).get("/api/v1/areas/")
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- the admin ----------------------------------------------------------------------------


def test_an_administrator_creates_a_token_sees_it_once_and_revokes_it(client, world, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {"name": "普陀区系统", "subdistrict": world["home"].subdistrict.pk, "access": "read_write"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key.startswith("sv_")
    assert key in response.content.decode()
    token = ApiToken.objects.get(name="普陀区系统")
    assert key not in str(list(ApiToken.objects.values_list()))  # only its hash is stored
    assert client_for(key).get("/api/v1/areas/").status_code == 200
    change = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert key not in change
    client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert client_for(key).get("/api/v1/areas/").status_code == 401


def test_a_district_token_is_read_only_and_tokens_are_for_superusers(
    client, world, administrator, subdistrict_staff
):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {"name": "区系统", "district": world["home"].district.pk, "access": "read_write"},
    )
    assert response.status_code == 200
    assert "key" not in response.context
    assert not ApiToken.objects.exists()
    subdistrict_staff.is_staff = True
    subdistrict_staff.save()
    client.force_login(subdistrict_staff)
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403


@pytest.mark.parametrize(
    "content",
    [
        b"date,site_code,committee_code,dose,count\n2021-06-29,home-SITE,home-C,fi\rrst,5\n",
        b'date,site_code,committee_code,dose,count\n"' + b"x" * 200_000 + b'",home-SITE,,first,1\n',
    ],
    ids=["carriage return in a field", "a field past the CSV reader's limit"],
)
def test_a_file_the_csv_reader_chokes_on_is_refused_not_a_500(world, writer, content):
    _token, key = writer
    before = written()
    response = push(key, content)
    assert response.status_code == 422
    assert response.json()["rejected_rows"]
    assert written() == before
