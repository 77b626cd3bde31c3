"""Reading an id or a date from a query string or a form field.

Every page reads its ``?site=``, ``?target=``, ``?date=`` through these, so no typed value
can reach the database or date arithmetic unchecked: ``str.isdigit()`` is true for ``²``
and ``①``, ``int()`` refuses more than 4,300 digits, and ``date.min - 1 day`` overflows.
Both raise ``ValidationError`` with a message for the user; pages answer 404 (an id or day
that cannot exist is like one outside the scope) or 400 with that message.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

# An id is ASCII digits only; 18 of them stay below the 64-bit maximum of a primary key.
_ID = re.compile(r"[0-9]{1,18}")
# Only YYYY-MM-DD: fromisoformat would also read 20210630 and week dates (2021-W26-3).
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The days a page can show: the campaign's data lies well inside, and a week or a year on
# either side stays a valid date whatever the page adds or subtracts.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def parse_id(text: str | None) -> int | None:
    """A primary key, or None when the parameter is absent or blank."""
    value = (text or "").strip()
    if not value:
        return None
    if not _ID.fullmatch(value):
        raise ValidationError(_("This link names nothing that exists."))
    return int(value)


def parse_day(text: str | None) -> date | None:
    """A day written YYYY-MM-DD between EARLIEST_DAY and LATEST_DAY, or None when blank."""
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


def id_or_404(text: str | None) -> int | None:
    """``parse_id`` for a page: an id that cannot exist answers 404 like a missing one."""
    try:
        return parse_id(text)
    except ValidationError as error:
        raise Http404 from error


def day_or_404(text: str | None) -> date | None:
    """``parse_day`` for a page whose date comes from its own links: 404 when it is not
    a day the page can show."""
    try:
        return parse_day(text)
    except ValidationError as error:
        raise Http404 from error
