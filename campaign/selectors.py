"""Reads of geography and scope: every page asks here what a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet

from campaign.models import Campaign, Committee, StaffScope, Subdistrict

User = AbstractBaseUser | AnonymousUser


def staff_scope_for(user: User) -> StaffScope | None:
    """The user's scope; a superuser without one is treated as an administrator.

    Kept on the user object, so the menu and the page of one request share one query.
    """
    if not user.is_authenticated:
        return None
    if hasattr(user, "_staff_scope"):
        return user._staff_scope
    scope = (
        StaffScope.objects.select_related("district", "subdistrict__district", "committee")
        .filter(user=user)
        .first()
    )
    if scope is None and user.is_superuser:
        scope = StaffScope(user=user, role=StaffScope.Role.ADMINISTRATOR)
    user._staff_scope = scope
    return scope


def subdistricts_visible_to(scope: StaffScope | None) -> QuerySet[Subdistrict]:
    """Subdistricts the scope may read. Committee staff read their own subdistrict;
    no scope reads nothing."""
    subdistricts = Subdistrict.objects.select_related("district")
    if scope is None:
        return subdistricts.none()
    match scope.role:
        case StaffScope.Role.ADMINISTRATOR:
            return subdistricts
        case StaffScope.Role.DISTRICT_LEADER:
            return subdistricts.filter(district_id=scope.district_id)
        case StaffScope.Role.SUBDISTRICT_STAFF:
            return subdistricts.filter(pk=scope.subdistrict_id)
        case StaffScope.Role.COMMITTEE_STAFF:
            return subdistricts.filter(pk=scope.committee.subdistrict_id)
    return subdistricts.none()


def committees_visible_to(scope: StaffScope | None) -> QuerySet[Committee]:
    committees = Committee.objects.select_related("subdistrict__district")
    if scope is not None and scope.role == StaffScope.Role.COMMITTEE_STAFF:
        return committees.filter(pk=scope.committee_id)
    return committees.filter(subdistrict__in=subdistricts_visible_to(scope))


@dataclass(frozen=True)
class CampaignDay:
    campaign: Campaign
    day: int  # 1 on the start date; may be <1 before it or > length after it
    length: int

    @property
    def is_running(self) -> bool:
        return 1 <= self.day <= self.length


def campaign_day(*, on: date) -> CampaignDay | None:
    """The campaign running on ``on``, else the latest one, with the day number."""
    campaign = (
        Campaign.objects.filter(start_date__lte=on, end_date__gte=on).first()
        or Campaign.objects.order_by("-end_date").first()
    )
    if campaign is None:
        return None
    return CampaignDay(
        campaign=campaign,
        day=(on - campaign.start_date).days + 1,
        length=(campaign.end_date - campaign.start_date).days + 1,
    )


def subdistrict_overview(scope: StaffScope | None) -> QuerySet[Subdistrict]:
    """Subdistricts in scope with their committee and site counts, in one query."""
    return (
        subdistricts_visible_to(scope)
        .annotate(
            committee_count=Count("committees", distinct=True),
            site_count=Count("sites", distinct=True),
        )
        .order_by("district__code", "code")
    )
