"""What the pages read from a request's parameters: a day and an area.

Both answer 404 to a value they cannot use, like an id that does not exist: a malformed
day, or an area outside the user's scope.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404, QueryDict

from campaign.areas import Area, area_picked, areas_visible_to
from campaign.models import StaffScope


def parse_day(text: str | None) -> date | None:
    """A day written YYYY-MM-DD (in a query or a URL); None when empty."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise Http404 from error


def day_param(params: QueryDict, name: str = "date") -> date | None:
    """The day of the parameter ``name``; None when it is absent or empty."""
    return parse_day(params.get(name))


def area_param(scope: StaffScope | None, key: str | None) -> tuple[list[Area], Area]:
    """The areas the user may pick and the one of ``key`` (the first without one)."""
    areas = areas_visible_to(scope)
    area = area_picked(areas, key)
    if area is None:
        raise Http404
    return areas, area
