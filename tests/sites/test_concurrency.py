"""Two clerks save the same cell at the same moment from the same version: exactly one
wins, the other is told, and history shows one change. Needs real concurrent
transactions, so it runs on PostgreSQL (CI runs the suite there too)."""

import threading

import pytest
from django.db import connection

from sites import services
from sites.models import DailyTally
from sites.services import TallyCell, TallyConflicts, record_tallies
from tests.factories import DailyTallyFactory, StaffScopeFactory, UserFactory
from tests.sites.conftest import TODAY

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

    def read_then_wait(cells):
        rows = read_rows(cells)
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
