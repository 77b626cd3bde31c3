"""What the pages read from a request's parameters: an id, a day and an area.

Every page reads its ``?site=``, ``?target=``, ``?date=`` through these, so no typed value
reaches the database or date arithmetic unchecked: ``str.isdigit()`` is true for ``²``
and ``①``, ``int()`` refuses more than 4,300 digits, and ``date.min - 1 day`` overflows.
``checked_day`` and ``checked_id`` raise ``ValidationError`` with a message for the user
(an export answers 400 with it); ``parse_day``, ``day_param`` and ``parse_id`` answer 404
to a value they cannot use, like an id that does not exist: a malformed day or id, a day
outside the calendar the pages show, or an area outside the user's scope.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext as _

from campaign.areas import Area, area_picked, areas_visible_to
from campaign.models import StaffScope

# An id is ASCII digits only; 18 of them stay below the 64-bit maximum of a primary key.
_ID = re.compile(r"[0-9]{1,18}")
# Only YYYY-MM-DD: fromisoformat would also read 20210630 and week dates (2021-W26-3).
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The days a page can show: the campaign's data lies well inside, and a week or a year on
# either side stays a valid date whatever a page adds or subtracts.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def checked_day(text: str | None) -> date | None:
    """A day written YYYY-MM-DD between EARLIEST_DAY and LATEST_DAY; None when empty."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if _DAY.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(
            _("%(value)s is not a date: write it as YYYY-MM-DD, e.g. 2021-06-30.")
            % {"value": value[:20]}
        )
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError(
            _("Choose a day between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
        )
    return day


def parse_day(text: str | None) -> date | None:
    """``checked_day`` for a page (in a query or a URL): 404 when it cannot be used."""
    try:
        return checked_day(text)
    except ValidationError as error:
        raise Http404 from error


def day_param(params: QueryDict, name: str = "date") -> date | None:
    """The day of the parameter ``name``; None when it is absent or empty."""
    return parse_day(params.get(name))


def save_key_param(params: QueryDict, name: str = "save_key") -> uuid.UUID | None:
    """The key a page sends with a save (a UUID, ``sites.services.receipts``); None when
    absent or not a UUID: such a save runs without the repeat protection, as before."""
    value = (params.get(name) or "").strip()
    if not value or len(value) > 40:  # a UUID is 32 hex digits, 36 with its hyphens
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def wants_json(request: HttpRequest) -> bool:
    """Whether the request asks for JSON rather than a page (``Accept: application/json``
    before HTML; a browser's form post, whose Accept ends with ``*/*``, gets the page)."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def checked_id(text: str | None) -> int | None:
    """A primary key written in ASCII digits; None when empty."""
    value = (text or "").strip()
    if not value:
        return None
    if not _ID.fullmatch(value):
        raise ValidationError(_("This link names nothing that exists."))
    return int(value)


def parse_id(text: str | None) -> int | None:
    """``checked_id`` for a page: an id that cannot exist answers 404 like a missing one."""
    try:
        return checked_id(text)
    except ValidationError as error:
        raise Http404 from error


def area_param(scope: StaffScope | None, key: str | None) -> tuple[list[Area], Area]:
    """The areas the user may pick and the one of ``key`` (the first without one)."""
    areas = areas_visible_to(scope)
    area = area_picked(areas, key)
    if area is None:
        raise Http404
    return areas, area


# The admin's change lists read parameters too -----------------------------------------


def admin_filter_id(text: str | None) -> int | None:
    """A change list filter's id; one that cannot be an id sends the admin back to the
    unfiltered list with its own "invalid filter" message (?e=1), not to an error."""
    try:
        return checked_id(text)
    except ValidationError as error:
        raise IncorrectLookupParameters(error) from error


def admin_filter_day(text: str | None) -> date | None:
    try:
        return checked_day(text)
    except ValidationError as error:
        raise IncorrectLookupParameters(error) from error


class BoundedDateFieldListFilter(admin.DateFieldListFilter):
    """Django's date filter, refusing what its own links never give: a day outside the
    calendar the pages show (0001-01-01 overflows once made timezone-aware). Registered
    for every date field of every admin (campaign.admin), django-axes' included."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (self.lookup_kwarg_since, self.lookup_kwarg_until):
            given = self.used_parameters.get(name)
            for value in given if isinstance(given, list) else [given]:
                if value is not None:
                    admin_filter_day(str(value)[:10])  # the day of "2021-06-30 00:00:00+08:00"
