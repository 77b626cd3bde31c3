"""Tally files from district systems: every encoding a clerk meets, every bad row named,
all or nothing, idempotent re-imports. The corpus is generated here."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sites.models import DailyTally, TallyImport
from sites.services.imports import tally_import_check, tally_import_run
from tests.factories import (
    CommitteeFactory,
    DailyTallyFactory,
    SiteFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.sites.conftest import TODAY, YESTERDAY

pytestmark = pytest.mark.django_db

HEADER_ZH = "接种日期,接种点编码,居委编码,剂次,接种数"
ROWS = [
    "2021-06-29,WL-T-XZ,310107-WL-01,第一剂,12",
    "2021-06-29,WL-T-XZ,310107-WL-02,第二剂,7",
    "2021-06-29,WL-T-XZ,,第一剂,30",
    "2021-06-30,WL-T-XZ,310107-WL-01,加强针,0",
]
EXPECTED = [
    (YESTERDAY, "310107-WL-01", "first", 12),
    (YESTERDAY, "310107-WL-02", "second", 7),
    (YESTERDAY, None, "first", 30),
    (TODAY, "310107-WL-01", "booster", 0),
]


def csv_file(*rows, header=HEADER_ZH, encoding="utf-8", newline="\n"):
    text = newline.join([header, *rows]) + newline
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def stored():
    return sorted(
        DailyTally.objects.values_list("date", "committee__code", "dose_kind", "count"),
        key=lambda row: (row[0], row[1] or "", row[2]),
    )


def expected():
    return sorted(EXPECTED, key=lambda row: (row[0], row[1] or "", row[2]))


def import_file(user, content, name="tallies.csv"):
    log = tally_import_check(user=user, file_name=name, content=content)
    if log.status == TallyImport.Status.CHECKED:
        log = tally_import_run(log=log)
    return log


@pytest.fixture
def scene(site, committee, neighbour, subdistrict_staff):
    return subdistrict_staff


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-bom", "gbk", "gb18030"])
def test_utf8_bom_and_gbk_files_import_to_identical_rows(scene, encoding):
    log = import_file(scene, csv_file(*ROWS, encoding=encoding))
    assert log.status == TallyImport.Status.IMPORTED
    assert stored() == expected()
    assert log.encoding == {"gbk": "gb18030"}.get(encoding, encoding)
    assert (log.rows_total, log.rows_new, log.rows_rejected) == (4, 4, 0)


def test_tabs_english_headers_blank_lines_and_spaces_are_understood(scene):
    rows = [
        " 2021-06-29 \tWL-T-XZ \t310107-WL-01\tfirst\t 12 ",
        "",
        "   ",
        "2021/06/29\tWL-T-XZ\t310107-WL-02\tsecond\t7",
        "2021-06-29\tWL-T-XZ\t\tFirst\t30",
        "2021-06-30\tWL-T-XZ\t310107-WL-01\tbooster\t０",
    ]
    header = "date\tsite_code\tcommittee_code\tdose\tcount"
    log = import_file(scene, csv_file(*rows, header=header, newline="\r\n"))
    assert log.status == TallyImport.Status.IMPORTED, log.errors
    assert stored() == expected()


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("2021-06-29,NOPE,310107-WL-01,第一剂,12", "接种点编码", "未知的接种点编码"),
        ("2021-06-29,WL-T-XZ,NOPE,第一剂,12", "居委编码", "未知的居委编码"),
        ("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,-3", "接种数", "不能为负数"),
        ("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,2.5", "接种数", "必须是整数"),
        ("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,十二", "接种数", "请填写整数"),
        ("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,=1+1", "接种数", "公式"),
        ("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,", "接种数", "为空"),
        ("2021-06-29,WL-T-XZ,310107-WL-01,第四剂,12", "剂次", "不是有效值"),
        ("2021-07-01,WL-T-XZ,310107-WL-01,第一剂,12", "接种日期", "是未来的日期"),
        ("2021-06-06,WL-T-XZ,310107-WL-01,第一剂,12", "接种日期", "当天未开放"),
        ("2021-13-01,WL-T-XZ,310107-WL-01,第一剂,12", "接种日期", "不是日期"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(scene, row, column, message):
    log = import_file(scene, csv_file(ROWS[0], row, ROWS[1]))
    assert log.status == TallyImport.Status.REFUSED
    assert [(e["line"], e["column"]) for e in log.errors] == [(3, column)]
    assert message in log.errors[0]["message"]
    assert not DailyTally.objects.exists()
    assert (log.rows_total, log.rows_rejected) == (3, 1)


def test_every_bad_row_is_reported_not_just_the_first(scene):
    log = import_file(scene, csv_file("2021-06-29,NOPE,,第一剂,1", ROWS[0], "x,WL-T-XZ,,first,-1"))
    assert {(e["line"], e["column"]) for e in log.errors} == {
        (2, "接种点编码"),
        (4, "接种日期"),
        (4, "接种数"),
    }


def test_sites_and_committees_outside_the_scope_are_refused(scene, committee):
    elsewhere = SubdistrictFactory()
    SiteFactory(subdistrict=elsewhere, code="FAR-1", active_from=datetime.date(2021, 1, 8))
    CommitteeFactory(subdistrict=elsewhere, code="FAR-C")
    log = import_file(
        scene,
        csv_file(
            "2021-06-29,FAR-1,,第一剂,5",
            "2021-06-29,WL-T-XZ,FAR-C,第一剂,5",
        ),
    )
    assert [e["column"] for e in log.errors] == ["接种点编码", "居委编码"]
    assert "不在您的权限范围内" in log.errors[0]["message"]
    assert "不属于接种点所在街道" in log.errors[1]["message"]
    assert not DailyTally.objects.exists()


def test_the_same_key_twice_names_both_lines(scene):
    log = import_file(
        scene, csv_file(ROWS[0], ROWS[1], "2021-06-29,WL-T-XZ,310107-WL-01,第一剂,13")
    )
    assert [(e["line"], e["message"]) for e in log.errors] == [
        (4, "与第 2 行的日期、接种点、居委和剂次相同。")
    ]
    assert not DailyTally.objects.exists()


def test_a_missing_required_column_refuses_the_file(scene):
    log = import_file(
        scene, csv_file("2021-06-29,WL-T-XZ,第一剂", header="接种日期,接种点编码,剂次")
    )
    assert log.status == TallyImport.Status.REFUSED
    assert log.errors == [{"line": 1, "column": "接种数 (count)", "message": "缺少必需的列。"}]


def test_an_oversized_file_is_refused_before_parsing(scene, monkeypatch):
    monkeypatch.setattr("sites.services.imports.MAX_UPLOAD_BYTES", 100)
    log = import_file(scene, csv_file(*ROWS))
    assert log.errors[0]["message"] == "文件超过 20 MB。"
    assert log.size > 100
    assert not DailyTally.objects.exists()


def test_an_undecodable_file_is_refused_never_guessed(scene):
    log = import_file(scene, csv_file(*ROWS) + b"caf\xe9 \xff\n")
    assert "既不是 UTF-8" in log.errors[0]["message"]
    assert not DailyTally.objects.exists()


def test_importing_the_same_file_twice_changes_nothing_and_says_so(scene):
    content = csv_file(*ROWS)
    import_file(scene, content)
    history = DailyTally.history.count()
    again = import_file(scene, content)
    assert again.status == TallyImport.Status.ALREADY_IMPORTED
    assert "已经导入过" in again.errors[0]["message"]
    assert DailyTally.history.count() == history
    assert stored() == expected()


def test_a_corrected_file_sets_values_and_history_shows_old_to_new(scene, committee):
    import_file(scene, csv_file(*ROWS), name="first.csv")
    corrected = csv_file("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,15", *ROWS[1:])
    log = import_file(scene, corrected, name="corrected.csv")
    assert (log.rows_new, log.rows_updated, log.rows_unchanged) == (0, 1, 3)
    tally = DailyTally.objects.get(committee=committee, dose_kind="first")
    assert (tally.count, tally.source, tally.version) == (15, "import", 2)
    change = DailyTally.history.filter(id=tally.pk).latest("history_date")
    assert (change.previous_count, change.count) == (12, 15)
    assert "corrected.csv" in change.history_change_reason


def test_dry_run_counts_equal_the_committed_counts(scene, site, committee):
    DailyTallyFactory(site=site, committee=committee, date=YESTERDAY, count=11)
    DailyTallyFactory(site=site, committee=None, date=YESTERDAY, count=30)
    checked = tally_import_check(user=scene, file_name="a.csv", content=csv_file(*ROWS))
    assert (checked.rows_new, checked.rows_updated, checked.rows_unchanged) == (2, 1, 1)
    assert DailyTally.objects.count() == 2
    done = tally_import_run(log=checked)
    assert (done.rows_new, done.rows_updated, done.rows_unchanged) == (2, 1, 1)
    assert DailyTally.objects.count() == 4


def test_every_attempt_is_logged(scene):
    import_file(scene, csv_file("nonsense"))
    import_file(scene, csv_file(*ROWS))
    logs = list(TallyImport.objects.order_by("created_at"))
    assert [log.status for log in logs] == ["refused", "imported"]
    assert all(len(log.sha256) == 64 and log.user == scene for log in logs)
    assert logs[1].subdistrict == scene.staff_scope.subdistrict


def test_command_dry_run_writes_nothing_then_imports(scene, tmp_path):
    path = tmp_path / "drop.csv"
    path.write_bytes(csv_file(*ROWS, encoding="gbk"))
    out = io.StringIO()
    call_command("import_tallies", str(path), "--user", "clerk", "--dry-run", stdout=out)
    assert "4 new" in out.getvalue()
    assert not DailyTally.objects.exists()
    call_command("import_tallies", str(path), "--user", "clerk", stdout=io.StringIO())
    assert stored() == expected()


def test_command_fails_and_names_bad_rows(scene, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file("2021-06-29,NOPE,,第一剂,1"))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_tallies", str(path), "--user", "clerk", stdout=out)
    assert "line 2, 接种点编码" in out.getvalue()


def test_command_runs_as_the_first_administrator_by_default(scene, administrator, tmp_path):
    path = tmp_path / "drop.csv"
    path.write_bytes(csv_file(*ROWS))
    out = io.StringIO()
    call_command("import_tallies", str(path), stdout=out)
    assert "(as admin)" in out.getvalue()
    assert TallyImport.objects.get().user == administrator
    assert stored() == expected()


def test_committee_staff_may_import_only_their_own_committee(
    site, committee, neighbour, committee_staff
):
    log = import_file(committee_staff, csv_file(ROWS[0], ROWS[1], ROWS[2]))
    assert log.status == TallyImport.Status.REFUSED
    assert [(e["line"], e["column"]) for e in log.errors] == [
        (3, "居委编码"),
        (4, "居委编码"),
    ]
    assert not DailyTally.objects.exists()


def test_an_account_without_scope_is_told_so(site, committee):
    log = import_file(UserFactory(), csv_file(*ROWS))
    assert log.errors[0]["message"] == "您的账号尚未分配权限范围，请联系管理员。"
    assert not DailyTally.objects.exists()


def test_errors_name_the_column_as_the_file_does(scene):
    """A file with English headers is told about "count"; one with Chinese, about 接种数."""
    english = "date,site_code,committee_code,dose,count"
    log = import_file(scene, csv_file("2021-06-29,WL-T-XZ,310107-WL-01,first,-3", header=english))
    assert [(e["line"], e["column"]) for e in log.errors] == [(2, "count")]
    log = import_file(scene, csv_file("2021-06-29,WL-T-XZ,310107-WL-01,第一剂,-3"))
    assert [(e["line"], e["column"]) for e in log.errors] == [(2, "接种数")]


def test_a_long_file_name_is_kept_whole_in_every_cells_history(scene):
    """Excel's "另存为" names are long; the history says which file set each value, in full
    (the history column once held 100 characters: PostgreSQL refused the whole import)."""
    name = "普陀区万里街道2021年6月29日至30日新冠疫苗接种点日报汇总表（第二次更正，请以此为准）" * 3
    name = name[:240] + ".csv"
    log = import_file(scene, csv_file(*ROWS), name=name)
    assert log.status == TallyImport.Status.IMPORTED
    reasons = set(DailyTally.history.values_list("history_change_reason", flat=True))
    assert len(reasons) == 1
    assert reasons.pop().endswith(name)
