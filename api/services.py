"""Writes of the API: tokens (created, used, revoked), the answers kept for
Idempotency-Key headers, and pushing tally rows through the import page's own check and
``record_tallies`` (``sites.services.imports``)."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, IdempotentAnswer
from campaign.access import token_scope
from campaign.models import District, Subdistrict
from campaign.session_user import session_user_forget
from sites.models import TallyImport
from sites.resources import TEMPLATE_HEADERS
from sites.services.imports import tally_import_check, tally_import_confirm

TOKEN_PREFIX = "sv_"  # noqa: S105 - the public start of every token, not a secret


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    name: str,
    access: str,
    district: District | None = None,
    subdistrict: Subdistrict | None = None,
    expires_at: datetime | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is returned here once and never stored.

    The token acts as an account of its own that cannot log in; its scope is that
    account's ``StaffScope``: a district's leader (reads the district) or a subdistrict's
    staff (reads the subdistrict and, with read-write access, imports its tallies). A
    district token only reads, as a district leader does.
    """
    if (district is None) == (subdistrict is None):
        raise ValidationError(_("Choose either a district or a subdistrict."))
    if access not in ApiToken.Access.values:
        raise ValidationError(_("Choose the token's access."))
    if district is not None and access == ApiToken.Access.READ_WRITE:
        raise ValidationError(
            _(
                "A district token reads only, as a district leader does; tallies are "
                "written with a subdistrict's token."
            )
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must be in the future."))
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = key[: len(TOKEN_PREFIX) + 8]
    user = get_user_model().objects.create_user(
        username=f"api-{prefix[len(TOKEN_PREFIX) :]}", first_name=name[:150]
    )  # no password: the account cannot log in
    token_scope(user, district=district, subdistrict=subdistrict).save()
    token = ApiToken.objects.create(
        name=name,
        prefix=prefix,
        key_sha256=token_digest(key),
        user=user,
        access=access,
        expires_at=expires_at,
        created_by=created_by,
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    """Refused from the next request on: the token's account is deactivated too."""
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    get_user_model().objects.filter(pk=token.user_id).update(is_active=False)
    session_user_forget(user_id=token.user_id)  # update() sends no signal
    token.refresh_from_db()


def api_token_used(*, token: ApiToken) -> None:
    """Shown in the admin as "last used at"."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())


# Idempotency-Key ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: dict[str, Any]
    same_request: bool


def idempotent_answer_find(
    *, token: ApiToken, key: str, request_sha256: str
) -> StoredAnswer | None:
    found = IdempotentAnswer.objects.filter(token=token, key=key).first()
    if found is None:
        return None
    return StoredAnswer(found.status, found.body, found.request_sha256 == request_sha256)


def idempotent_answer_keep(
    *, token: ApiToken, key: str, request_sha256: str, status: int, body: dict[str, Any]
) -> None:
    """Keep the first answer; a concurrent first request with the same key keeps its own."""
    try:
        with transaction.atomic():
            IdempotentAnswer.objects.create(
                token=token, key=key, request_sha256=request_sha256, status=status, body=body
            )
    except IntegrityError:
        pass


# Pushing tallies ---------------------------------------------------------------------------


@dataclass
class PushResult:
    """What a push did: the import log (the same as the import page's) and how the rows'
    positions map back to what the client sent."""

    log: TallyImport
    dry_run: bool
    json_rows: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)


def rows_as_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """JSON rows as the import's CSV (English headers): line n + 1 is row n, so the file
    check's line numbers map back to the rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = TEMPLATE_HEADERS["en"]
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


def tallies_push(
    *, token: ApiToken, file_name: str, content: bytes, dry_run: bool, json_rows: bool = False
) -> PushResult:
    """Check the whole file as the import page does and, unless a dry run or a file with
    a rejected row, import it: at once when small, as the background job when large
    (the log is then "queued"). A file already imported (same SHA-256) changes nothing."""
    log = tally_import_check(
        user=token.user, file_name=file_name, content=content, store=not dry_run
    )
    if log.status == TallyImport.Status.CHECKED and not dry_run:
        log = tally_import_confirm(log=log)
    errors = []
    for error in log.errors:
        line = error["line"]
        if json_rows and line > 1:
            line -= 1  # the position in "rows", counted from 1
        errors.append({**error, "line": line})
    return PushResult(log=log, dry_run=dry_run, json_rows=json_rows, errors=errors)
