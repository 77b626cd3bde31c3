"""Publications are in the audit trail: a bulletin published (who, when, from where, the
day and the data-as-of time of its figures), a timeline note added or deleted."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from reports.models import Bulletin, MilestoneNote
from tests.factories import CampaignFactory, DistrictFactory, SubdistrictFactory
from tests.reports.bulletin_scene import DAY, build_scene

pytestmark = pytest.mark.django_db

OFFICE = "10.20.30.42"


def events(kind):
    return list(AuditEvent.objects.filter(kind=kind).order_by("pk"))


def signed_in(user):
    client = Client(REMOTE_ADDR=OFFICE)
    client.force_login(user)
    return client


def test_a_published_bulletin_is_recorded_with_its_day_and_data_as_of_time(
    settings, subdistrict, committee, subdistrict_staff
):
    build_scene(settings, subdistrict, committee)
    client = signed_in(subdistrict_staff)
    url = reverse("reports:bulletin_publish")
    client.post(url, {"subdistrict": subdistrict.pk, "date": DAY, "unreported_confirmed": "on"})
    bulletin = Bulletin.objects.get()
    [event] = events(AuditEvent.Kind.PUBLISHED)
    assert (event.user, event.ip_address, event.path) == (subdistrict_staff, OFFICE, url)
    assert event.detail == {
        "bulletin_id": bulletin.pk,
        "area": "subdistrict",
        "code": "310107-WL",
        "name": "万里街道",
        "date": "2021-04-29",
        "data_as_of": bulletin.data_as_of.isoformat(),
    }


def test_a_refused_publication_records_no_publication(
    settings, subdistrict, committee, subdistrict_staff
):
    build_scene(settings, subdistrict, committee)
    client = signed_in(subdistrict_staff)
    client.post(
        reverse("reports:bulletin_publish"),
        {"subdistrict": subdistrict.pk, "date": DAY, "unreported_confirmed": "on"},
    )
    client.post(
        reverse("reports:bulletin_publish"),
        {"subdistrict": subdistrict.pk, "date": DAY, "unreported_confirmed": "on"},
    )
    assert Bulletin.objects.count() == 1
    assert len(events(AuditEvent.Kind.PUBLISHED)) == 1


@pytest.fixture
def timeline(settings, subdistrict):
    settings.STREETVAX_DEMO_DATE = datetime.date(2021, 5, 5)
    CampaignFactory(start_date=datetime.date(2021, 4, 20))


def add_note(client, area, text, on="2021-04-26"):
    return client.post(
        reverse("reports:milestone_note_add"), {"area": area, "date": on, "text": text}
    )


def test_a_timeline_note_is_recorded_with_its_area_day_and_text(
    timeline, subdistrict, subdistrict_staff
):
    client = signed_in(subdistrict_staff)
    assert add_note(client, f"subdistrict:{subdistrict.pk}", "区领导走访").status_code == 302
    note = MilestoneNote.objects.get()
    [event] = events(AuditEvent.Kind.NOTE_ADDED)
    assert (event.user, event.ip_address) == (subdistrict_staff, OFFICE)
    assert event.detail == {
        "note_id": note.pk,
        "area": "subdistrict",
        "code": "310107-WL",
        "name": "万里街道",
        "date": "2021-04-26",
        "text": "区领导走访",
    }


def test_a_refused_note_records_nothing(timeline, subdistrict, subdistrict_staff):
    client = signed_in(subdistrict_staff)
    add_note(client, f"subdistrict:{subdistrict.pk}", "还没发生", on="2021-05-06")
    assert not MilestoneNote.objects.exists()
    assert events(AuditEvent.Kind.NOTE_ADDED) == []


def test_notes_deleted_in_the_admin_are_recorded_with_their_text(
    timeline, subdistrict, district, administrator, subdistrict_staff
):
    writer = signed_in(subdistrict_staff)
    add_note(writer, f"subdistrict:{subdistrict.pk}", "写错的备注")
    far = SubdistrictFactory(district=DistrictFactory(), name="五里堡街道")
    admin = signed_in(administrator)
    add_note(admin, f"district:{district.pk}", "区里的备注")
    add_note(admin, f"subdistrict:{far.pk}", "五里堡的备注")
    wrong, district_note, far_note = MilestoneNote.objects.order_by("pk")

    delete = reverse("admin:reports_milestonenote_delete", args=[wrong.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    changelist = reverse("admin:reports_milestonenote_changelist")
    admin.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [district_note.pk, far_note.pk],
            "post": "yes",
        },
    )
    assert not MilestoneNote.objects.exists()
    one, both = events(AuditEvent.Kind.NOTE_DELETED)
    assert one.user == both.user == administrator
    assert [note["text"] for note in one.detail["notes"]] == ["写错的备注"]
    assert sorted((n["area"], n["name"], n["text"]) for n in both.detail["notes"]) == [
        ("district", "普陀区", "区里的备注"),
        ("subdistrict", "五里堡街道", "五里堡的备注"),
    ]


@pytest.mark.parametrize(("view", "suffix"), [("bulletin_png", ".png"), ("bulletin_xlsx", ".xlsx")])
def test_a_bulletin_download_is_an_export_event(
    settings, subdistrict, committee, subdistrict_staff, view, suffix
):
    build_scene(settings, subdistrict, committee)
    client = signed_in(subdistrict_staff)
    client.post(
        reverse("reports:bulletin_publish"),
        {"subdistrict": subdistrict.pk, "date": DAY, "unreported_confirmed": "on"},
    )
    bulletin = Bulletin.objects.get()
    response = client.get(reverse(f"reports:{view}", args=[bulletin.pk]))
    assert response.status_code == 200
    [export] = events(AuditEvent.Kind.EXPORT)
    assert export.user == subdistrict_staff
    assert export.detail == {
        "file": f"bulletin-310107-WL-2021-04-29{suffix}",
        "bulletin_id": bulletin.pk,
    }
    assert export.detail["file"] in response["Content-Disposition"]
