"""Assertions shared by the model tests."""

import pytest
from django.db import IntegrityError, transaction


def refused(create):
    """The database refuses the row, and the table keeps what it had."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()
