"""The timeline's writes: notes that staff add to it and remove from it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from campaign.access import may_note_area, staff_scope_for, subdistricts_visible_to
from campaign.areas import Area
from campaign.calendar import CampaignCalendar
from campaign.models import District, Subdistrict
from reports.models import (
    MilestoneNote,
)


@transaction.atomic
def milestone_note_create(*, user: User, area: Area, on: date, text: str) -> MilestoneNote:
    """Add a note to the timeline of ``area`` (a subdistrict or a district).

    ``PermissionDenied`` outside the user's scope; ``ValidationError`` for an empty or too
    long text or a day in the future or outside the campaign.
    """
    scope = staff_scope_for(user)
    visible = subdistricts_visible_to(scope)
    in_scope = visible.filter(area.through_subdistrict("")).exists()
    if not in_scope or not may_note_area(scope, area):
        raise PermissionDenied(_("You may not add notes to this timeline."))
    day_problem = CampaignCalendar.load(on, on).day_problem(on)
    messages = [day_problem] if day_problem else []
    note = MilestoneNote(
        district=area.obj if isinstance(area.obj, District) else None,
        subdistrict=area.obj if isinstance(area.obj, Subdistrict) else None,
        date=on,
        text=" ".join(text.split()),
        written_by=user,
    )
    try:
        note.full_clean()
    except ValidationError as error:
        messages += error.messages
    if messages:
        raise ValidationError(messages)
    note.save()
    audit_record(kind=AuditEvent.Kind.NOTE_ADDED, user=user, detail=_note_detail(note))
    return note


@transaction.atomic
def milestone_notes_delete(*, user: User, notes: Iterable[MilestoneNote]) -> int:
    """Remove wrong notes (the admin's delete, for administrators). The removal is one
    event of the audit trail listing every note with its text, so the timeline's past
    stays known; pass the notes with their areas (``select_related``)."""
    notes = list(notes)
    if not notes:
        return 0
    audit_record(
        kind=AuditEvent.Kind.NOTE_DELETED,
        user=user,
        detail={"notes": [_note_detail(note) for note in notes]},
    )
    MilestoneNote.objects.filter(pk__in=[note.pk for note in notes]).delete()
    return len(notes)


def _note_detail(note: MilestoneNote) -> dict[str, object]:
    area = note.subdistrict or note.district
    if area is None:  # the database requires one of the two
        raise ValueError(f"milestone note {note.pk} has no area")
    return {
        "note_id": note.pk,
        "area": "subdistrict" if note.subdistrict_id else "district",
        "code": area.code,
        "name": area.name,
        "date": note.date.isoformat(),
        "text": note.text,
    }
