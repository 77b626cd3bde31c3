"""Exactly once: a save of the entry grid applied once per key, whatever repeats it.

The page makes a key (a UUID) when Save is pressed, or renders one into the form without
JavaScript. ``save_once`` keeps the first answer under that key, in the save's own
transaction; the same key again gets that answer and runs nothing (a double tap, a retry
after a lost answer, a save queued offline and sent again). Two requests with one key at
the same moment: the receipt row is written before the save, so the second request waits
on the unique key until the first commits, then reads its answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import SaveReceipt, Site

# A queued save may wait on a phone for days; a month covers any offline stretch.
RECEIPT_DAYS = 30


@dataclass(frozen=True)
class SaveAnswer:
    """What the grid answers to one save: an HTTP status and its JSON body."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


@transaction.atomic
def save_once(
    *, user: User, site: Site, on: date, key: uuid.UUID, save: Callable[[], SaveAnswer]
) -> SaveAnswer:
    """Run ``save`` unless ``key`` already has an answer; either way, the answer.

    ``save`` must write nothing when it refuses (``record_tallies`` runs in a savepoint),
    so its answer, whatever it is, is kept with the key. A key of another user's save is
    refused (``ValidationError``) and nothing is run.
    """
    kept = _kept_answer(user, key)
    if kept is not None:
        return kept
    try:
        with transaction.atomic():
            receipt = SaveReceipt.objects.create(
                key=key, user=user, site=site, date=on, status=0, body={}
            )
    except IntegrityError:
        # Another request with this key committed first (on PostgreSQL this insert waited
        # for it): its answer is the answer.
        kept = _kept_answer(user, key)
        if kept is None:
            raise
        return kept
    answer = save()
    receipt.status, receipt.body = answer.status, answer.body
    receipt.save(update_fields=["status", "body"])
    return answer


def _kept_answer(user: User, key: uuid.UUID) -> SaveAnswer | None:
    receipt = SaveReceipt.objects.filter(key=key).only("user_id", "status", "body").first()
    if receipt is None:
        return None
    if receipt.user_id != user.pk:
        raise ValidationError(
            _("This save was already sent from another account; reload the page."),
            code="key_of_another_user",
        )
    return SaveAnswer(receipt.status, receipt.body, replayed=True)


def save_receipts_purge(*, now: datetime | None = None) -> int:
    """Delete the receipts older than RECEIPT_DAYS; how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=RECEIPT_DAYS)
    deleted, _by_model = SaveReceipt.objects.filter(created_at__lt=cutoff).delete()
    return deleted
