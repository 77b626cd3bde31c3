"""Files as Excel and WPS write them (issue 17, item 6): any line ending, long cells,
date-times; and files that cannot be read one way only are refused with the line and a
reason, quickly, without keeping a NUL anywhere PostgreSQL would refuse it."""

import pytest

from sites.models import DailyTally, TallyImport
from sites.services import imports
from sites.services.imports import check_file, tally_import_check
from tests.sites.test_imports import EXPECTED, HEADER_ZH, ROWS, csv_file, import_file, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(site, committee, neighbour, subdistrict_staff):
    return subdistrict_staff


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"], ids=["CR (CSV Macintosh)", "LF", "CRLF"])
def test_every_line_ending_excel_writes_is_read(scene, newline):
    log = import_file(scene, csv_file(*ROWS, newline=newline))
    assert log.status == TallyImport.Status.IMPORTED, log.errors
    assert len(stored()) == len(EXPECTED)


def test_excel_date_times_at_midnight_are_dates(scene):
    rows = [row.replace("2021-06-29", "2021-06-29 00:00:00", 1) for row in ROWS[:2]]
    rows.append(ROWS[2].replace("2021-06-29", "2021/6/29 0:00", 1))
    log = import_file(scene, csv_file(*rows))
    assert log.status == TallyImport.Status.IMPORTED, log.errors
    assert {day.isoformat() for day in DailyTally.objects.values_list("date", flat=True)} == {
        "2021-06-29"
    }


def test_a_time_of_day_and_an_ambiguous_compact_date_are_refused(scene):
    log = import_file(
        scene,
        csv_file(
            "2021-06-29 08:30:00,WL-T-XZ,310107-WL-01,第一剂,12",
            "2021629,WL-T-XZ,310107-WL-02,第一剂,12",
            "20210629,WL-T-XZ,,第一剂,12",  # eight digits read one way only
        ),
    )
    assert log.status == TallyImport.Status.REFUSED
    assert [(e["line"], e["column"]) for e in log.errors] == [(2, "接种日期"), (3, "接种日期")]
    assert "只写日期" in log.errors[0]["message"]
    assert "2021629" in log.errors[1]["message"]
    assert DailyTally.objects.count() == 0


def test_two_columns_meaning_the_count_are_refused(scene):
    header = HEADER_ZH + ",count"
    log = import_file(scene, csv_file(*(row + ",99" for row in ROWS), header=header))
    assert log.status == TallyImport.Status.REFUSED
    assert [(e["line"], e["column"]) for e in log.errors] == [(1, "count")]
    assert "接种数" in log.errors[0]["message"]
    assert "count" in log.errors[0]["message"]


def test_a_cell_longer_than_csvs_default_limit_is_refused_with_its_line(scene):
    long_code = "X" * 200_000  # over the 131,072 characters csv reads by default
    log = import_file(scene, csv_file(ROWS[0], f"2021-06-29,{long_code},,第一剂,1"))
    assert log.status == TallyImport.Status.REFUSED
    assert [e["line"] for e in log.errors] == [3]
    assert "200,000" in log.errors[0]["message"]
    assert len(log.errors[0]["message"]) < 200  # the cell itself is not echoed


def test_a_nul_is_refused_with_its_line_and_the_log_is_kept(scene):
    log = import_file(scene, csv_file(ROWS[0], "2021-06-29,WL-T-\0XZ,,第一剂,1", ROWS[1]))
    assert log.status == TallyImport.Status.REFUSED
    log.refresh_from_db()  # stored: PostgreSQL would refuse JSON holding a NUL
    assert [e["line"] for e in log.errors] == [3]
    assert "NUL" in log.errors[0]["message"]


def test_an_unknown_code_with_a_nul_is_stored_without_it(scene):
    checked = check_file(user=scene, content=csv_file("2021-06-29,\0,,第一剂,1"))
    assert checked.errors
    assert all("\0" not in str(error.as_dict()) for error in checked.errors)


def test_a_quote_never_closed_names_the_line_it_opens_on(scene):
    log = import_file(scene, csv_file(ROWS[0], '2021-06-29,"WL-T-XZ,,第一剂,1', ROWS[1], ROWS[2]))
    assert log.status == TallyImport.Status.REFUSED
    (error,) = log.errors
    assert error["line"] == 3
    assert "第 3 行" in error["message"]
    assert "引号" in error["message"]


def test_a_million_junk_lines_are_refused_before_any_is_read(scene):
    junk = "\n".join(["x,y,z,w,v"] * 1_000_000)
    log = tally_import_check(
        user=scene, file_name="junk.csv", content=f"{HEADER_ZH}\n{junk}".encode()
    )
    assert log.status == TallyImport.Status.REFUSED
    assert "200,000" in log.errors[0]["message"]
    assert log.rows_total == 0  # refused before a single row was read


def test_a_file_of_errors_stops_at_the_errors_shown(scene):
    rows = ["2021-06-29,NO-SUCH-SITE,,第一剂,1"] * 50_000
    log = tally_import_check(user=scene, file_name="bad.csv", content=csv_file(*rows))
    assert log.status == TallyImport.Status.REFUSED
    assert len(log.errors) == imports.MAX_ERRORS_KEPT
    assert "检查已停止" in log.errors[-1]["message"]


def test_a_check_past_its_time_limit_stops_and_says_so(scene, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ERRORS_KEPT", 10_000)
    rows = ["2021-06-29,NO-SUCH-SITE,,第一剂,1"] * 1500
    checked = check_file(user=scene, content=csv_file(*rows), time_limit=0)
    assert "用时过长" in checked.errors[-1].message
    assert len(checked.errors) < 1500  # it stopped reading
    whole = check_file(user=scene, content=csv_file(*rows), time_limit=None)
    assert len(whole.errors) == 1500  # the confirmed import's run reads it all
