"""Reads of sites and tallies, always narrowed to what the user's scope may see."""

from __future__ import annotations

from django.db.models import QuerySet

from campaign.models import StaffScope
from campaign.selectors import subdistricts_visible_to
from sites.models import Site


def sites_visible_to(scope: StaffScope | None) -> QuerySet[Site]:
    return Site.objects.select_related("subdistrict").filter(
        subdistrict__in=subdistricts_visible_to(scope)
    )
