"""Turning what a clerk typed, or a CSV cell, into a dose count, with a message that says
what was wrong. Shared by the entry grid and the file import so both accept the same input."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sites.rules import MAX_COUNT, count_problem

_WHOLE_NUMBER = re.compile(r"[0-9]+")


def parse_count(text: str | None) -> int | None:
    """A non-negative whole number, or None when the cell is blank.

    Full-width digits (１２) and surrounding spaces are normalised (NFKC), and what remains
    must be ASCII digits; thousands separators, signs, decimals, formulas (=1+1), words and
    numbers above MAX_COUNT are refused.
    """
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", str(text)).strip()
    if value == "":
        return None
    if value.startswith("="):
        raise ValidationError(_("A formula is not a count: type the number itself."))
    if value.startswith("-") and _WHOLE_NUMBER.fullmatch(value[1:]):
        raise ValidationError(_("A count cannot be negative."))
    if not _WHOLE_NUMBER.fullmatch(value):
        if re.fullmatch(r"[0-9]*\.[0-9]+", value):
            raise ValidationError(_("A count must be a whole number."))
        raise ValidationError(_("Type a whole number such as 0, 12 or 305."))
    # Compared as text first: int() refuses over 4,300 digits, and the message would echo them.
    if len(value.lstrip("0")) > len(str(MAX_COUNT)):
        value = str(MAX_COUNT + 1)
    count = int(value)
    problem = count_problem(count)
    if problem:
        raise ValidationError(problem)
    return count
