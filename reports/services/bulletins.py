"""Publishing a bulletin: the day's figures frozen into a row, and an audit event."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import AuditEvent
from audit.services import audit_record
from campaign.access import staff_scope_for
from campaign.calendar import day_label, is_future
from campaign.models import Subdistrict
from campaign.users import display_name
from reports.models import Bulletin, StaleDate
from reports.selectors.bulletins import bulletin_figures, subdistricts_publishable_by
from reports.signals import bulletin_published

# Publishing ------------------------------------------------------------------------------


@transaction.atomic
def bulletin_publish(
    *,
    user: User,
    subdistrict: Subdistrict,
    on: date,
    unreported_confirmed: bool = False,
) -> Bulletin:
    """Freeze the day's figures of ``subdistrict`` as its bulletin for ``on``.

    ``PermissionDenied`` outside the user's scope (leaders publish nothing);
    ``ValidationError`` for a future day, a day without figures, figures still being
    updated, a day already published, or sites open that day that have not reported,
    unless the publisher confirms (``unreported_confirmed``) that the day is in anyway.
    """
    scope = staff_scope_for(user)
    if not subdistricts_publishable_by(scope).filter(pk=subdistrict.pk).exists():
        raise PermissionDenied(_("You may not publish bulletins for this subdistrict."))
    shown = day_label(on)
    already_published = ValidationError(
        _("The bulletin of %(date)s has already been published.") % {"date": shown},
        code="published",
    )
    if is_future(on):
        raise ValidationError(
            _("%(date)s is still to come; it cannot be published yet.") % {"date": shown},
            code="future",
        )
    if Bulletin.objects.filter(subdistrict=subdistrict, date=on).exists():
        raise already_published
    if StaleDate.objects.filter(date__lte=on).exists():
        raise ValidationError(
            _("The figures of %(date)s are being updated; publish again in a minute.")
            % {"date": shown},
            code="updating",
        )
    figures = bulletin_figures(subdistrict=subdistrict, on=on)
    if figures is None:
        raise ValidationError(
            _("There are no figures for %(date)s yet.") % {"date": shown}, code="no_figures"
        )
    unreported = figures["totals"]["sites_unreported"]
    if unreported and not unreported_confirmed:
        raise ValidationError(
            ngettext(
                "%(count)d site open on %(date)s has not reported yet. Wait for it, or "
                'tick "publish anyway" if it will not report.',
                "%(count)d sites open on %(date)s have not reported yet. Wait for them, or "
                'tick "publish anyway" if they will not report.',
                unreported,
            )
            % {"count": unreported, "date": shown},
            code="unreported",
        )
    bulletin = Bulletin(
        subdistrict=subdistrict,
        date=on,
        published_by=user,
        published_by_name=display_name(user),
        published_at=timezone.now(),
        data_as_of=datetime.fromisoformat(figures["computed_at"]),
        figures=figures,
    )
    bulletin.full_clean()
    try:
        with transaction.atomic():
            bulletin.save()
    except IntegrityError as error:  # published by somebody else at the same moment
        raise already_published from error
    audit_record(
        kind=AuditEvent.Kind.PUBLISHED,
        user=user,
        detail={
            "bulletin_id": bulletin.pk,
            "area": "subdistrict",
            "code": subdistrict.code,
            "name": subdistrict.name,
            "date": on.isoformat(),
            "data_as_of": figures["computed_at"],
        },
    )
    bulletin_published.send(sender=Bulletin, bulletin=bulletin)
    return bulletin
