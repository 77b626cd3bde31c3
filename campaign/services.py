"""Writes of the campaign app: residential buildings and their vaccinated-resident counts.

Every write of a building or a count goes through these functions (the building pages and
the demo seeder alike): keyword-only, one transaction, ``full_clean()`` first, and a
``ValidationError`` with a message for the user when the input is wrong, nothing written.
Who may write is the caller's check (``campaign.selectors.committees_writable_by``).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from campaign.calendar import is_future
from campaign.models import Building, BuildingCount, Committee


def _clean_text(value: str) -> str:
    return " ".join((value or "").split())


@transaction.atomic
def building_create(
    *, committee: Committee, name: str, residents: int, address: str = ""
) -> Building:
    """Register a building of ``committee`` with its number of residents."""
    building = Building(
        committee=committee,
        name=_clean_text(name),
        residents=residents,
        address=_clean_text(address),
    )
    building.full_clean()
    building.save()
    return building


@transaction.atomic
def building_update(
    *, building: Building, name: str, residents: int, address: str = ""
) -> Building:
    """Correct a building's name, residents or address. The residents may not fall below
    a vaccinated count already recorded for it."""
    building = Building.objects.select_for_update().get(pk=building.pk)
    building.name = _clean_text(name)
    building.residents = residents
    building.address = _clean_text(address)
    building.full_clean()
    highest = building.counts.aggregate(highest=Max("vaccinated"))["highest"]
    if highest is not None and residents < highest:
        raise ValidationError(
            {
                "residents": _(
                    "A count of %(highest)d vaccinated residents is recorded for this "
                    "building: the residents cannot be fewer."
                )
                % {"highest": highest}
            }
        )
    building.save()
    return building


@transaction.atomic
def building_count_record(
    *,
    building: Building,
    on: date,
    vaccinated: int,
    user: User | None = None,
) -> BuildingCount:
    """Record that ``vaccinated`` residents of ``building`` had been vaccinated as counted
    on ``on``. A second count for the same day replaces the first one.

    Refused: a day after today, a negative count, more than the building's residents."""
    building = Building.objects.select_for_update().get(pk=building.pk)
    count = BuildingCount.objects.filter(building=building, date=on).first() or BuildingCount(
        building=building, date=on
    )
    count.vaccinated = vaccinated
    count.recorded_by = user if user is not None and user.is_authenticated else None
    count.full_clean()
    errors = {}
    if is_future(on):
        errors["date"] = _("%(day)s is in the future: record a count once it is made.") % {
            "day": on.isoformat()
        }
    if vaccinated > building.residents:
        errors["vaccinated"] = _(
            "%(count)d vaccinated is more than the building's %(residents)d residents."
        ) % {"count": vaccinated, "residents": building.residents}
    if errors:
        raise ValidationError(errors)
    count.save()
    return count
