"""How a figure is written wherever it is shown: pages, charts, the bulletin's image."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def one_decimal(value: float) -> float:
    """A percentage to one decimal, rounded half up as the pages' ``floatformat:1`` rounds
    it (72.05 is 72.1), so a chart, a table and the bulletin never differ in the last digit.
    """
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
