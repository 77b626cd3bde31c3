"""From an empty database to a running campaign, as a district's IT officer does it with
docs/first-steps.md: load the sample folder with ``load_campaign``, find the clerk from the
users file, import the week of tallies, rebuild, read the ranking and the targets. Runs on
PostgreSQL when DATABASE_URL points at one, on SQLite otherwise."""

import csv
import re
import shutil
from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEvent
from campaign.models import Committee, StaffScope, Subdistrict, Target
from reports.models import CommitteeDay, TargetProgress
from sites.models import DailyTally, Site, TallyImport
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SAMPLE = Path(settings.BASE_DIR) / "docs" / "sample-campaign"
LAST_DAY = date(2021, 6, 7)


def load(folder: Path, *args: str) -> str:
    out = StringIO()
    call_command("load_campaign", str(folder), *args, stdout=out)
    return out.getvalue()


def tallies_in_files() -> list[dict[str, str]]:
    rows = []
    for path in sorted(SAMPLE.glob("*tallies*.csv")):
        rows += list(csv.DictReader(path.open(encoding="utf-8-sig")))
    return rows


@override_settings(STREETVAX_DEMO_DATE=LAST_DAY)
def test_from_an_empty_database_to_the_ranking(client, tmp_path):
    UserFactory(username="it_officer", is_staff=True, is_superuser=True)

    # The areas, campaign, sites, targets and accounts first; the tallies after.
    areas = tmp_path / "setup"
    areas.mkdir()
    for path in SAMPLE.iterdir():
        if "tallies" not in path.name:
            shutil.copy(path, areas)
    dry = load(areas, "--dry-run")
    assert "nothing was written" in dry
    assert not Committee.objects.exists()
    out = load(areas, "--site-url", "https://vax.example.org")
    assert (Subdistrict.objects.count(), Committee.objects.count(), Site.objects.count()) == (
        2,
        6,
        3,
    )
    assert Target.objects.count() == 2
    assert Site.objects.get(code="SAMPLE-P2").kind == "temporary"
    assert Site.objects.get(code="SAMPLE-P1").contact_name == "张医生"

    clerk = get_user_model().objects.get(username="sample_clerk")
    scope = StaffScope.objects.get(user=clerk)
    assert (scope.role, scope.committee.code) == ("committee_staff", "SAMPLE-S1-01")
    assert not clerk.has_usable_password()
    assert "sample_clerk: set a password at https://vax.example.org/accounts/set-password/" in out

    # Loading the same files again changes nothing.
    again = load(areas)
    assert "new" in again
    assert " 0 new, 0 updated" in again.splitlines()[0]
    assert "set a password" not in again

    # The clerk opens the link the command printed, sets a password on a page in Chinese
    # and logs in with it.
    link = re.search(r"sample_clerk: set a password at https://vax\.example\.org(\S+)", out)
    assert link is not None
    form = client.get(link[1], follow=True)
    assert "设置密码" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "chen-wen-2021-june", "new_password2": "chen-wen-2021-june"},
        follow=True,
    )
    assert "密码已设置" in done.content.decode()
    logged_in = client.post(
        reverse("login"), {"username": "sample_clerk", "password": "chen-wen-2021-june"}
    )
    assert logged_in.status_code == 302

    # The clerk imports their committee's week on the import page: check, then confirm.
    week = "\r\n".join(
        ["接种日期,接种点编码,居委编码,剂次,接种数"]
        + [
            ",".join(row.values())
            for row in tallies_in_files()
            if row["居委编码"] == scope.committee.code
        ]
    )
    checked = client.post(
        reverse("sites:import_index"),
        {"file": SimpleUploadedFile("陈文-第一周.csv", week.encode("gbk"))},
        follow=True,
    )
    page = checked.content.decode()
    assert "已检查，等待确认" in page
    assert "东一居民区" in page  # names beside the codes
    log = TallyImport.objects.get()
    assert (log.rows_new, log.rows_rejected) == (14, 0)
    client.post(reverse("sites:import_confirm", args=[log.pk]))
    assert DailyTally.objects.filter(committee=scope.committee).count() == 14

    # The IT officer loads the whole folder with the week's file: the clerk's rows are
    # already there and stay as they are.
    out = load(SAMPLE)
    assert "8-tallies-2021-06-01-07.csv (tallies): 63 rows: 49 new, 0 updated, 14 unchanged" in out
    assert DailyTally.objects.count() == 63
    call_command("rebuild_snapshots", "--from", "2021-06-01", "--to", LAST_DAY.isoformat())

    expected = Counter()
    for row in tallies_in_files():
        expected[row["居委编码"]] += int(row["接种数"])
    days = CommitteeDay.objects.filter(date=LAST_DAY).select_related("committee")
    assert {day.committee.code: day.first_cumulative for day in days} == dict(expected)
    # Ranked by first-dose coverage: doses over the committee's eligible population.
    coverage = {c.code: expected[c.code] / c.eligible_population for c in Committee.objects.all()}
    best = max(coverage, key=coverage.get)
    assert days.get(committee__code=best).rank_in_district == 1

    progress = {p.target.name: p.achieved for p in TargetProgress.objects.filter(date=LAST_DAY)}
    east = sum(n for code, n in expected.items() if code.startswith("SAMPLE-S1"))
    assert progress == {"东街道6月第一剂": east, "样板区6月全部剂次": sum(expected.values())}

    # The clerk reads their committee's target; the IT officer the district's ranking.
    targets = client.get(reverse("reports:targets"), {"date": LAST_DAY.isoformat()})
    assert "东街道6月第一剂" in targets.content.decode()
    client.force_login(get_user_model().objects.get(username="it_officer"))
    page = client.get(reverse("reports:ranking"), {"date": LAST_DAY.isoformat()})
    assert page.status_code == 200
    assert Committee.objects.get(code=best).name in page.content.decode()
    targets = client.get(reverse("reports:targets"), {"date": LAST_DAY.isoformat()})
    assert "样板区6月全部剂次" in targets.content.decode()

    hashes = AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORTED, detail__via="load_campaign")
    assert hashes.filter(detail__file="3-committees.csv").exclude(detail__sha256="").exists()


def test_a_bad_row_anywhere_loads_nothing_and_names_line_and_column(tmp_path):
    UserFactory(username="it_officer", is_staff=True, is_superuser=True)
    for path in SAMPLE.iterdir():
        if "tallies" not in path.name:
            shutil.copy(path, tmp_path)
    sites = tmp_path / "5-sites.csv"
    sites.write_text(sites.read_text(encoding="utf-8").replace("临时", "大棚"), encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("load_campaign", str(tmp_path), stdout=out)
    assert "line 3, kind: “大棚”不是有效值" in out.getvalue()
    assert not Committee.objects.exists()


# The English headers of docs/first-steps.md's table, file by file.
ENGLISH = {
    "districts": {"区编码": "code", "区": "name", "适种人口": "eligible_population"},
    "subdistricts": {
        "街道编码": "code",
        "街道": "name",
        "区编码": "district_code",
        "适种人口": "eligible_population",
    },
    "committees": {
        "居委编码": "code",
        "居委": "name",
        "街道编码": "subdistrict_code",
        "适种人口": "eligible_population",
    },
    "campaign": {
        "接种工作": "name",
        "开始日期": "start_date",
        "结束日期": "end_date",
        "全程剂数": "doses_for_full_course",
        "第二剂最早间隔天数": "second_dose_min_days",
        "第二剂最迟间隔天数": "second_dose_max_days",
        "金盾门槛": "golden_shield_threshold",
    },
    "sites": {},
    "targets": {
        "目标名称": "name",
        "接种工作": "campaign",
        "区编码": "district_code",
        "街道编码": "subdistrict_code",
        "居委编码": "committee_code",
        "起始日期": "period_start",
        "截止日期": "period_end",
        "指标": "metric",
        "目标数": "value",
    },
    "users": {"用户名": "username", "姓名": "name", "角色": "role", "范围编码": "scope_code"},
    "tallies": {
        "接种日期": "date",
        "接种点编码": "site_code",
        "居委编码": "committee_code",
        "剂次": "dose",
        "接种数": "count",
    },
}


def test_the_same_folder_as_excel_files_with_english_headers_loads_the_same(tmp_path):
    """As the docs promise: XLSX as well as CSV, and the English name of every column."""
    UserFactory(username="it_officer", is_staff=True, is_superuser=True)
    for path in sorted(SAMPLE.iterdir()):
        # "subdistricts" before "districts", which it contains
        kind = next(kind for kind in sorted(ENGLISH, key=len, reverse=True) if kind in path.name)
        encoding = "gbk" if path.name == "3-committees.csv" else "utf-8-sig"
        rows = list(csv.reader(path.open(encoding=encoding)))
        book = Workbook()
        sheet = book.active
        sheet.append([ENGLISH[kind].get(header, header) for header in rows[0]])
        for row in rows[1:]:
            sheet.append(row)
        book.save(tmp_path / path.with_suffix(".xlsx").name)

    out = load(tmp_path)
    assert "8-tallies-2021-06-01-07.xlsx (tallies): 63 rows: 63 new" in out
    assert (Committee.objects.count(), Site.objects.count(), Target.objects.count()) == (6, 3, 2)
    assert DailyTally.objects.count() == 63
    assert StaffScope.objects.get(user__username="sample_clerk").committee.code == "SAMPLE-S1-01"
    assert " 0 new, 0 updated" in load(tmp_path).splitlines()[0]


def test_a_used_set_password_link_says_so_and_asks_for_a_new_one(client, tmp_path):
    UserFactory(username="it_officer", is_staff=True, is_superuser=True)
    for path in SAMPLE.iterdir():
        if "users" in path.name or "districts" in path.name or "committees" in path.name:
            shutil.copy(path, tmp_path)
    out = load(tmp_path, "--site-url", "https://vax.example.org")
    link = re.search(r"sample_street: set a password at https://vax\.example\.org(\S+)", out)
    assert link is not None
    form = client.get(link[1], follow=True)
    password = {"new_password1": "zhou-ping-2021-june", "new_password2": "zhou-ping-2021-june"}
    client.post(form.redirect_chain[-1][0], password)
    client.logout()
    again = client.get(link[1], follow=True).content.decode()
    assert "此链接已过期或已使用过" in again
    assert "Django" not in again  # the portal's page, not the admin's
