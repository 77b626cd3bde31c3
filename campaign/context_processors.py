from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaign.access import (
    can_enter_tallies,
    can_plan,
    may_open_admin,
    may_review_quality,
    staff_scope_for,
)


def navigation(request: HttpRequest) -> dict:
    """The menu for the user's role: only pages the user may open."""
    scope = staff_scope_for(request.user)
    if scope is None:
        return {"nav": []}
    nav = [(reverse("home"), _("Home"))]
    if can_enter_tallies(scope):
        nav.append((reverse("sites:entry_index"), _("Enter tallies")))
        nav.append((reverse("sites:import_index"), _("Import")))
    nav.append((reverse("sites:board"), _("Not reported")))
    nav.append((reverse("reports:ranking"), _("Ranking")))
    nav.append((reverse("reports:targets"), _("Targets")))
    nav.append((reverse("reports:second_doses"), _("Second doses due")))
    nav.append((reverse("campaign:buildings"), _("Golden shield buildings")))
    nav.append((reverse("reports:bulletins"), _("Bulletins")))
    nav.append((reverse("reports:milestones"), _("Milestones")))
    if may_review_quality(scope):
        nav.append((reverse("reports:quality"), _("Data quality")))
    nav.append((reverse("sites:capacity"), _("Capacity")))
    if can_plan(scope):
        nav.append((reverse("sites:plans"), _("Daily plans")))
    nav.append((reverse("sites:visits"), _("Mobile visits")))
    if may_open_admin(request.user):
        nav.append((reverse("admin:index"), _("Administration")))
    return {"nav": nav, "staff_scope": scope, "can_open_admin": may_open_admin(request.user)}
