"""Every tally file is in the audit trail twice: when it is checked and when its import
ends, each time with the file's SHA-256, its counts, the account and the address."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from sites.models import DailyTally, TallyImport
from sites.services.imports import tally_import_check, tally_import_run
from tests.sites.test_imports import ROWS, csv_file, import_file

pytestmark = pytest.mark.django_db

OFFICE = "10.20.30.40"


@pytest.fixture
def clerk(site, committee, neighbour, subdistrict_staff):
    client = Client(REMOTE_ADDR=OFFICE)
    client.force_login(subdistrict_staff)
    return client


def events():
    return list(
        AuditEvent.objects.filter(
            kind__in=[AuditEvent.Kind.IMPORT_CHECKED, AuditEvent.Kind.IMPORTED]
        ).order_by("pk")
    )


def counts(event):
    return {key: event.detail[key] for key in ("rows", "new", "updated", "unchanged", "rejected")}


def test_the_check_and_the_import_of_a_file_are_recorded_with_its_hash_and_counts(
    clerk, subdistrict_staff
):
    content = csv_file(*ROWS, encoding="gbk")
    clerk.post(reverse("sites:import_index"), {"file": SimpleUploadedFile("二七区.csv", content)})
    log = TallyImport.objects.get()
    clerk.post(reverse("sites:import_confirm", args=[log.pk]))
    assert DailyTally.objects.count() == 4

    checked, imported = events()
    sha256 = hashlib.sha256(content).hexdigest()
    for event in (checked, imported):
        assert (event.user, event.ip_address) == (subdistrict_staff, OFFICE)
        assert (event.detail["file"], event.detail["sha256"]) == ("二七区.csv", sha256)
        assert event.detail["import_id"] == log.pk
        assert event.detail["encoding"] == "gb18030"
    assert checked.kind == AuditEvent.Kind.IMPORT_CHECKED
    assert checked.detail["outcome"] == TallyImport.Status.CHECKED
    assert checked.path == reverse("sites:import_index")
    assert imported.kind == AuditEvent.Kind.IMPORTED
    assert imported.detail["outcome"] == TallyImport.Status.IMPORTED
    assert imported.path == reverse("sites:import_confirm", args=[log.pk])
    expected = {"rows": 4, "new": 4, "updated": 0, "unchanged": 0, "rejected": 0}
    assert counts(checked) == counts(imported) == expected


def test_a_refused_file_is_recorded_with_its_rejected_rows(clerk):
    content = csv_file(ROWS[0], "2021-06-29,NOPE,,第一剂,-1")
    clerk.post(reverse("sites:import_index"), {"file": SimpleUploadedFile("bad.csv", content)})
    [checked] = events()
    assert checked.detail["outcome"] == TallyImport.Status.REFUSED
    assert checked.detail["sha256"] == hashlib.sha256(content).hexdigest()
    assert (checked.detail["rows"], checked.detail["rejected"]) == (2, 1)
    assert not DailyTally.objects.exists()


def test_a_second_import_of_the_same_file_is_recorded_as_already_imported(scene_user):
    content = csv_file(*ROWS)
    import_file(scene_user, content)
    again = import_file(scene_user, content, name="again.csv")
    assert again.status == TallyImport.Status.ALREADY_IMPORTED
    outcomes = [(e.kind, e.detail["outcome"], e.detail["file"]) for e in events()]
    assert outcomes == [
        (AuditEvent.Kind.IMPORT_CHECKED, "checked", "tallies.csv"),
        (AuditEvent.Kind.IMPORTED, "imported", "tallies.csv"),
        (AuditEvent.Kind.IMPORT_CHECKED, "already", "again.csv"),
    ]
    assert {e.detail["sha256"] for e in events()} == {hashlib.sha256(content).hexdigest()}


def test_an_import_by_the_command_is_recorded_as_its_account_without_an_address(
    scene_user, tmp_path
):
    path = tmp_path / "drop.csv"
    path.write_bytes(csv_file(*ROWS))
    call_command("import_tallies", str(path), "--user", scene_user.username)
    checked, imported = events()
    assert (imported.user, imported.ip_address, imported.path) == (scene_user, None, "")
    assert imported.detail["new"] == 4
    assert checked.detail["sha256"] == imported.detail["sha256"]


def test_an_import_that_fails_on_confirmation_is_recorded_as_failed(scene_user, site):
    log = TallyImport.objects.get(pk=import_file(scene_user, csv_file(*ROWS)).pk)
    assert log.status == TallyImport.Status.IMPORTED
    # A second file checked, then the site closes before the confirmation.
    pending = tally_import_check(
        user=scene_user, file_name="late.csv", content=csv_file(ROWS[0].replace(",12", ",13"))
    )
    site.active_to = site.active_from
    site.save()
    tally_import_run(log=pending)
    last = events()[-1]
    assert (last.kind, last.detail["outcome"], last.detail["file"]) == (
        AuditEvent.Kind.IMPORTED,
        TallyImport.Status.FAILED,
        "late.csv",
    )
    assert DailyTally.objects.get(committee__code="310107-WL-01", dose_kind="first").count == 12


@pytest.fixture
def scene_user(site, committee, neighbour, subdistrict_staff):
    return subdistrict_staff
