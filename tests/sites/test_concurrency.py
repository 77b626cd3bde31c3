"""Two clerks save the same cell at the same moment from the same version: exactly one
wins, the other is told, and history shows one change. Needs real concurrent
transactions, so it runs on PostgreSQL (CI runs the suite there too)."""

import threading

import pytest
from django.db import connection

from sites.models import DailyTally
from sites.services import tallies as services
from sites.services.tallies import TallyCell, TallyConflicts, record_tallies
from tests.factories import DailyTallyFactory, StaffScopeFactory, UserFactory
from tests.sites.conftest import TODAY


@pytest.fixture(autouse=True)
def no_snapshot_rebuilds(monkeypatch):
    """The rebuild after commit is not under test here and would take seconds."""
    monkeypatch.setattr("reports.services.snapshots._request_rebuild", lambda start: None)


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has no concurrent writers"
    ),
]


def test_concurrent_saves_of_one_cell_one_wins_one_conflicts(site, committee, monkeypatch):
    tally = DailyTallyFactory(site=site, committee=committee, date=TODAY, count=10)
    clerks = []
    for name in ("clerk_a", "clerk_b"):
        user = UserFactory(username=name)
        StaffScopeFactory(user=user, role="subdistrict_staff", subdistrict=site.subdistrict)
        clerks.append(user)

    both_have_read = threading.Barrier(2, timeout=10)
    read_rows = services._existing_rows

    def read_then_wait(cells, **options):
        rows = read_rows(cells, **options)
        both_have_read.wait()  # neither writes before both saw version 1
        return rows

    monkeypatch.setattr(services, "_existing_rows", read_then_wait)
    outcomes = {}

    def save(user, count):
        from django.db import connection as thread_connection

        try:
            record_tallies(
                user=user,
                cells=[
                    TallyCell(
                        date=TODAY,
                        site_id=site.pk,
                        committee_id=committee.pk,
                        dose_kind="first",
                        count=count,
                        seen_version=1,
                    )
                ],
            )
            outcomes[user.username] = "saved"
        except TallyConflicts as conflict:
            outcomes[user.username] = conflict.conflicts[0]
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=save, args=(clerks[0], 21)),
        threading.Thread(target=save, args=(clerks[1], 22)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o if o == "saved" else "conflict" for o in outcomes.values()) == [
        "conflict",
        "saved",
    ]
    winner = next(name for name, o in outcomes.items() if o == "saved")
    loser_conflict = next(o for o in outcomes.values() if o != "saved")
    tally.refresh_from_db()
    assert tally.version == 2
    assert tally.entered_by.username == winner
    assert loser_conflict.theirs == tally.count
    assert DailyTally.history.filter(history_type="~").count() == 1


def test_an_import_and_a_browser_save_of_one_cell_both_land_in_history(
    site, committee, subdistrict_staff, monkeypatch
):
    """The clerk saves 14 while a district file setting 20 is being imported from the
    same starting value: the clerk's save lands, then the import sets over it."""
    tally = DailyTallyFactory(site=site, committee=committee, date=TODAY, count=10)
    importer = UserFactory(username="district_system")
    StaffScopeFactory(user=importer, role="administrator")

    both_have_read = threading.Barrier(2, timeout=10)
    clerk_saved = threading.Event()
    read_rows = services._existing_rows

    def read_then_wait(cells, **options):
        rows = read_rows(cells, **options)
        both_have_read.wait()
        if threading.current_thread().name == "import":
            clerk_saved.wait(timeout=10)  # the import writes after the clerk committed
        return rows

    monkeypatch.setattr(services, "_existing_rows", read_then_wait)
    cell = {"date": TODAY, "site_id": site.pk, "committee_id": committee.pk, "dose_kind": "first"}
    errors = []

    def clerk():
        from django.db import connection as thread_connection

        try:
            record_tallies(
                user=subdistrict_staff, cells=[TallyCell(**cell, count=14, seen_version=1)]
            )
        except Exception as error:
            errors.append(error)
        finally:
            clerk_saved.set()
            thread_connection.close()

    def district_import():
        from django.db import connection as thread_connection

        try:
            record_tallies(
                user=importer,
                cells=[TallyCell(**cell, count=20)],
                source="import",
                check_versions=False,
                capacity_confirmed=True,
                reason="文件导入",
            )
        except Exception as error:
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=clerk, name="clerk"),
        threading.Thread(target=district_import, name="import"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    tally.refresh_from_db()
    assert (tally.count, tally.version, tally.source) == (20, 3, "import")
    changes = list(
        DailyTally.history.filter(id=tally.pk, history_type="~")
        .order_by("history_date", "history_id")
        .values_list("previous_count", "count", "source")
    )
    assert changes == [(10, 14, "entry"), (14, 20, "import")]
