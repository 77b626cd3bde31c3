"""An area of the map as the pages pick it: a district, a subdistrict or a committee.

``Area`` wraps the model row and answers what the ranking, capacity, second-dose,
timeline, visit and export pages ask of it: its kind, its key in a URL and in the
picker, its parent, its committees, and filters selecting the rows that belong to it
(the sites of ``sites`` through their subdistrict, without this app importing ``sites``).
Which areas a user may pick is ``areas_visible_to``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from campaign.access import reads_whole_districts, subdistricts_visible_to
from campaign.models import Committee, District, StaffScope, Subdistrict

LEVELS = ("district", "subdistrict", "committee")  # from the widest


@dataclass(frozen=True)
class Area:
    obj: District | Subdistrict | Committee

    @property
    def kind(self) -> str:
        """``district``, ``subdistrict`` or ``committee``: also the name of the foreign key
        the snapshot rows and ``AreaOfOneLevel`` models use for this level."""
        return self.obj._meta.model_name or ""  # always set for a model class

    @property
    def key(self) -> str:
        """The area in a URL and in the picker, e.g. ``subdistrict:12``."""
        return f"{self.kind}:{self.obj.pk}"

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def depth(self) -> int:
        """0 for a district, 1 for a subdistrict, 2 for a committee (the picker indents)."""
        return LEVELS.index(self.kind)

    @property
    def has_subdistricts(self) -> bool:
        """A district: its pages list its subdistricts side by side."""
        return self.kind == "district"

    @property
    def parent(self) -> Area | None:
        match self.obj:
            case Subdistrict():
                return Area(self.obj.district)
            case Committee():
                return Area(self.obj.subdistrict)
        return None

    def own_rows(self, prefix: str = "") -> Q:
        """Rows kept per level whose field of this level is this area (snapshot days)."""
        return Q(**{f"{prefix}{self.kind}": self.obj})

    def through_subdistrict(self, path: str = "subdistrict") -> Q:
        """Rows whose subdistrict (the foreign key at ``path``; ``""`` for subdistricts
        themselves) lies in this area. A committee has no such rows of its own."""
        if isinstance(self.obj, Committee):
            raise ValueError("A committee holds no subdistrict.")
        if isinstance(self.obj, District):
            return Q(**{_join(path, "district"): self.obj})
        return _is(path, self.obj)

    def through_committee(self, path: str = "committee") -> Q:
        """Rows whose committee (the foreign key at ``path``; ``""`` for committees
        themselves) lies in this area."""
        if isinstance(self.obj, Committee):
            return _is(path, self.obj)
        return self.through_subdistrict(_join(path, "subdistrict"))

    @property
    def site_filter(self) -> Q:
        """The sites of the area, for any model with a ``subdistrict`` foreign key."""
        return self.through_subdistrict("subdistrict")

    def set_within(self, prefix: str = "", levels: tuple[str, ...] = LEVELS) -> Q:
        """Rows set on one of ``levels`` (targets, notes: ``AreaOfOneLevel``) whose area
        is this one or lies inside it."""
        found = Q(pk__in=[])
        if "district" in levels and isinstance(self.obj, District):
            found |= Q(**{f"{prefix}district": self.obj})
        if "subdistrict" in levels and not isinstance(self.obj, Committee):
            found |= self.through_subdistrict(f"{prefix}subdistrict")
        if "committee" in levels:
            found |= self.through_committee(f"{prefix}committee")
        return found

    def committees(self) -> QuerySet[Committee]:
        return Committee.objects.filter(self.through_committee(""))

    def subdistricts_among(self, areas: list[Area]) -> list[Subdistrict]:
        """This area's subdistricts that ``areas`` hold (a subdistrict: itself)."""
        if isinstance(self.obj, Subdistrict):
            return [self.obj]
        return [
            a.obj
            for a in areas
            if isinstance(a.obj, Subdistrict) and a.obj.district_id == self.obj.pk
        ]


def _is(path: str, obj: District | Subdistrict | Committee) -> Q:
    """The foreign key at ``path`` is ``obj``; the row itself when ``path`` is empty."""
    return Q(**{path: obj}) if path else Q(pk=obj.pk)


def _join(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def areas_visible_to(scope: StaffScope | None) -> list[Area]:
    """The areas the user may pick: staff their subdistrict; leaders and administrators
    each district followed by its subdistricts."""
    subdistricts = list(subdistricts_visible_to(scope).order_by("district__code", "code"))
    if not reads_whole_districts(scope):
        return [Area(s) for s in subdistricts]
    areas: list[Area] = []
    for district, group in itertools.groupby(subdistricts, key=lambda s: s.district):
        areas.append(Area(district))
        areas.extend(Area(s) for s in group)
    return areas


def area_picked(areas: list[Area], key: str | None) -> Area | None:
    """The area of ``key`` among ``areas``, the first without a key; None when the key is
    not one of them (outside the scope) or there are none."""
    if not key:
        return next(iter(areas), None)
    return next((a for a in areas if a.key == key), None)
