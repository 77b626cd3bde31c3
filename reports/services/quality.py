"""Data-quality flags: written by the snapshot rebuild, closed by a person who verified
the figure.

``quality_flags_refresh`` runs inside the rebuild, after the builders, for the rebuilt
dates. Each rule is one set-based query, whatever the number of committees or sites:

- unusual day (``sites.selectors.outliers``): a site's day far above its recent days, or above a
  multiple of its capacity; for each rebuilt date;
- first doses above the eligible population ("适种人口可能需要更新"): a committee's
  cumulative first doses on the latest day with snapshots;
- second doses above earlier first doses: on that day, a committee's cumulative second
  doses above its cumulative first doses of the campaign's minimum interval earlier;
- tallies of a committee at a site of another subdistrict; for each rebuilt date.

A flag keeps its row (and its verification) while its condition holds; a changed figure
opens a verified flag again; a flag whose condition no longer holds is removed unless
somebody verified it. Running the refresh twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from campaign.models import Campaign
from reports.models import CommitteeDay, QualityFlag, SiteDay
from reports.selectors.stamps import page_stamps_forget
from sites.bulk import quoted_column, quoted_table
from sites.models import DailyTally, Site
from sites.selectors.outliers import LOOKBACK_DAYS, unusual_site_days

Rule = QualityFlag.Rule
DAY_RULES = (Rule.UNUSUAL_DAY, Rule.OTHER_SUBDISTRICT)  # found per rebuilt date
STANDING_RULES = (Rule.ABOVE_POPULATION, Rule.SECOND_ABOVE_FIRST)  # on the latest day


@dataclass
class Found:
    """A flag as a rule finds it, before it meets the stored rows."""

    key: str
    rule: str
    subdistrict_id: int
    date: date
    figure: int
    committee_id: int | None = None
    site_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _site_days_build(start: date, end: date) -> None:
    """Each site's reported days from ``start`` to ``end`` (``SiteDay``), anew: one
    INSERT ... SELECT over the range's tallies, as the other snapshots are built."""
    SiteDay.objects.filter(date__range=(start, end)).delete()
    adapt = connection.ops.adapt_datefield_value
    site, day = quoted_column(DailyTally, "site_id"), quoted_column(DailyTally, "date")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quoted_table(SiteDay)} ({quoted_column(SiteDay, 'site_id')}, "  # noqa: S608
            f"{quoted_column(SiteDay, 'date')}, {quoted_column(SiteDay, 'doses')}) "
            f"SELECT {site}, {day}, SUM({quoted_column(DailyTally, 'count')}) "
            f"FROM {quoted_table(DailyTally)} WHERE {day} BETWEEN %s AND %s "
            f"GROUP BY {site}, {day}",
            [adapt(start), adapt(end)],
        )


def _site_day_totals(start: date, end: date) -> dict[int, dict[date, int]]:
    """Every site's reported days from ``start`` to ``end``, from ``SiteDay``: one query."""
    totals: dict[int, dict[date, int]] = defaultdict(dict)
    rows = SiteDay.objects.filter(date__range=(start, end)).values_list("site_id", "date", "doses")
    for site_id, day, doses in rows:
        totals[site_id][day] = doses
    return totals


def _unusual_days(start: date, end: date) -> list[Found]:
    sites = {site.pk: site for site in Site.objects.only("pk", "subdistrict_id", "daily_capacity")}
    totals = _site_day_totals(start - timedelta(days=LOOKBACK_DAYS), end)
    days = {
        (site, day): total
        for site, by_day in totals.items()
        for day, total in by_day.items()
        if start <= day <= end
    }
    return [
        Found(
            key=f"{Rule.UNUSUAL_DAY}:s{u.site_id}:{u.date.isoformat()}",
            rule=Rule.UNUSUAL_DAY,
            subdistrict_id=sites[u.site_id].subdistrict_id,
            site_id=u.site_id,
            date=u.date,
            figure=u.value,
            detail={"median": u.median, "ceiling": u.ceiling, "capacity_limit": u.capacity_limit},
        )
        for u in unusual_site_days(days, sites=sites, recent=totals)
    ]


def _other_subdistrict(start: date, end: date) -> list[Found]:
    rows = (
        DailyTally.objects.filter(date__range=(start, end), committee__isnull=False)
        .exclude(committee__subdistrict_id=F("site__subdistrict_id"))
        .order_by()
        .values("committee_id", "committee__subdistrict_id", "site_id", "date")
        .annotate(doses=Sum("count"))
    )
    return [
        Found(
            key=f"{Rule.OTHER_SUBDISTRICT}:c{r['committee_id']}:s{r['site_id']}:"
            f"{r['date'].isoformat()}",
            rule=Rule.OTHER_SUBDISTRICT,
            subdistrict_id=r["committee__subdistrict_id"],
            committee_id=r["committee_id"],
            site_id=r["site_id"],
            date=r["date"],
            figure=r["doses"],
        )
        for r in rows
    ]


def _above_population(on: date) -> list[Found]:
    rows = CommitteeDay.objects.filter(
        date=on, first_cumulative__gt=F("committee__eligible_population")
    ).values("committee_id", "subdistrict_id", "first_cumulative", "committee__eligible_population")
    return [
        Found(
            key=f"{Rule.ABOVE_POPULATION}:c{r['committee_id']}",
            rule=Rule.ABOVE_POPULATION,
            subdistrict_id=r["subdistrict_id"],
            committee_id=r["committee_id"],
            date=on,
            figure=r["first_cumulative"],
            detail={"population": r["committee__eligible_population"]},
        )
        for r in rows
    ]


def _second_above_first(on: date) -> list[Found]:
    campaign = Campaign.objects.filter(start_date__lte=on, end_date__gte=on).first()
    if campaign is None or campaign.doses_for_full_course < 2:
        return []
    earlier = on - timedelta(days=campaign.second_dose_min_days)
    rows = (
        CommitteeDay.objects.filter(date=on)
        .annotate(
            first_earlier=Coalesce(
                Subquery(
                    CommitteeDay.objects.filter(
                        committee_id=OuterRef("committee_id"), date=earlier
                    ).values("first_cumulative")[:1]
                ),
                0,
            )
        )
        .filter(second_cumulative__gt=F("first_earlier"))
        .values("committee_id", "subdistrict_id", "second_cumulative", "first_earlier")
    )
    return [
        Found(
            key=f"{Rule.SECOND_ABOVE_FIRST}:c{r['committee_id']}",
            rule=Rule.SECOND_ABOVE_FIRST,
            subdistrict_id=r["subdistrict_id"],
            committee_id=r["committee_id"],
            date=on,
            figure=r["second_cumulative"],
            detail={
                "first_earlier": r["first_earlier"],
                "earlier": earlier.isoformat(),
                "min_days": campaign.second_dose_min_days,
            },
        )
        for r in rows
    ]


def quality_flags_refresh(*, start: date, end: date) -> None:
    """Find every rule's flags for the dates ``start`` to ``end`` (and the standing rules
    on the latest day with snapshots) and bring the stored flags in line: a handful of
    queries. Call inside the rebuild's transaction, after the snapshots are built."""
    _site_days_build(start, end)
    found = _unusual_days(start, end) + _other_subdistrict(start, end)
    latest = CommitteeDay.objects.aggregate(last=Max("date"))["last"]
    if latest is not None:
        found += _above_population(latest) + _second_above_first(latest)
    in_scope = Q(rule__in=DAY_RULES, date__range=(start, end)) | Q(rule__in=STANDING_RULES)
    _store(found, QualityFlag.objects.filter(in_scope))


def _store(flags: Iterable[Found], stored_scope: QuerySet[QualityFlag]) -> None:
    found = {flag.key: flag for flag in flags}
    stored = {flag.key: flag for flag in stored_scope}
    gone = [
        flag.pk for key, flag in stored.items() if key not in found and flag.verified_at is None
    ]
    QualityFlag.objects.filter(pk__in=gone).delete()
    now = timezone.now()
    changed = []
    for key, new in found.items():
        old = stored.get(key)
        if old is None or (old.figure, old.date, old.detail) == (new.figure, new.date, new.detail):
            continue
        if old.figure != new.figure:  # a verified figure that changed is open again
            old.verified_at, old.verified_by, old.verified_reason = None, None, ""
        old.figure, old.date, old.detail = new.figure, new.date, new.detail
        changed.append(old)
    QualityFlag.objects.bulk_update(
        changed, ["figure", "date", "detail", "verified_at", "verified_by", "verified_reason"]
    )
    QualityFlag.objects.bulk_create(
        [
            QualityFlag(
                key=key,
                rule=new.rule,
                subdistrict_id=new.subdistrict_id,
                committee_id=new.committee_id,
                site_id=new.site_id,
                date=new.date,
                figure=new.figure,
                detail=new.detail,
                found_at=now,
            )
            for key, new in found.items()
            if key not in stored
        ]
    )
    page_stamps_forget()  # bulk writes send no signal


# Verifying -----------------------------------------------------------------------------


@transaction.atomic
def quality_flag_verify(*, user: User, flag: QualityFlag, reason: str) -> None:
    """Close ``flag``: somebody checked the figure and says why it is right. Audited.

    ``PermissionDenied`` outside the user's scope; ``ValidationError`` without a reason or
    for a flag already verified."""
    from reports.selectors.quality import quality_flags_reviewable_by

    reason = " ".join(reason.split())
    if not quality_flags_reviewable_by(user).filter(pk=flag.pk).exists():
        raise PermissionDenied(_("You may not verify this figure."))
    if not reason:
        raise ValidationError(_("Say why the figure is right."))
    if len(reason) > 200:
        raise ValidationError(_("Keep the reason under 200 characters."))
    claimed = QualityFlag.objects.filter(pk=flag.pk, verified_at__isnull=True).update(
        verified_at=timezone.now(), verified_by=user, verified_reason=reason
    )
    if not claimed:
        raise ValidationError(_("Somebody has already verified this figure."))
    page_stamps_forget()  # update() sends no signal
    flag.refresh_from_db()
    audit_record(
        kind=AuditEvent.Kind.VERIFIED,
        user=user,
        detail={
            "flag_id": flag.pk,
            "rule": flag.rule,
            "key": flag.key,
            "date": flag.date.isoformat(),
            "figure": flag.figure,
            "reason": reason,
        },
    )
