"""Who may do what: the one module that reads a user's role.

A user holds at most one ``StaffScope``. Administrators read and change everything; a
district leader reads the district and writes nothing; subdistrict staff read their
subdistrict and enter, correct, plan, publish and note there; committee staff read their
subdistrict and enter their own committee's tallies only. Views, templates (through the
context processor or flags passed to them) and selectors ask here; no other module
compares roles (a test fails if one does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.db.models import Q, QuerySet

from campaign.models import Committee, District, StaffScope, Subdistrict

if TYPE_CHECKING:
    from campaign.areas import Area

User = Account | AnonymousUser
# The user's scope is kept on the user object under this name (see staff_scope_for).
_SCOPE_CACHE = "_staff_scope"
Role = StaffScope.Role

# Roles that may change the plans of the capacity pages, publish bulletins and add notes
# to a timeline: the ones who run a subdistrict day to day.
_ORGANISERS = (Role.ADMINISTRATOR, Role.SUBDISTRICT_STAFF)


def staff_scope_for(user: User) -> StaffScope | None:
    """The user's scope; a superuser without one is treated as an administrator.

    Kept on the user object, so the menu and the page of one request share one query.
    """
    if not user.is_authenticated:
        return None
    if hasattr(user, _SCOPE_CACHE):
        cached: StaffScope | None = getattr(user, _SCOPE_CACHE)
        return cached
    scope = (
        StaffScope.objects.select_related("district", "subdistrict__district", "committee")
        .filter(user=user)
        .first()
    )
    if scope is None and user.is_superuser:
        scope = StaffScope(user=user, role=Role.ADMINISTRATOR)
    setattr(user, _SCOPE_CACHE, scope)
    return scope


def has_scope_read(user: User) -> bool:
    """Whether the user's scope has been read this request (kept on the user object)."""
    return hasattr(user, _SCOPE_CACHE)


# Accounts and the admin ----------------------------------------------------------------


def manages_accounts(user: User) -> bool:
    """Accounts, groups, scopes and the audit trail: active superusers only."""
    return user.is_active and user.is_superuser


def may_open_admin(user: User) -> bool:
    """The administration link and site: staff accounts (Django's flag)."""
    return user.is_active and user.is_staff


def is_administrator(user: User) -> bool:
    """A superuser, or an account whose scope is the administrator's."""
    if user.is_superuser:
        return True
    scope = staff_scope_for(user)
    return scope is not None and scope.role == Role.ADMINISTRATOR


def superuser_accounts() -> Q:
    """The superusers, as a filter of the user model."""
    return Q(is_superuser=True)


def administrator_accounts() -> Q:
    """The users (as a filter of the user model) who act as administrators."""
    return Q(staff_scope__role=Role.ADMINISTRATOR) | superuser_accounts()


# Reading ---------------------------------------------------------------------------------


def subdistricts_visible_to(scope: StaffScope | None) -> QuerySet[Subdistrict]:
    """Subdistricts the scope may read. Committee staff read their own subdistrict;
    no scope reads nothing."""
    subdistricts = Subdistrict.objects.select_related("district")
    if scope is None:
        return subdistricts.none()
    match scope.role:
        case Role.ADMINISTRATOR:
            return subdistricts
        case Role.DISTRICT_LEADER if scope.district_id is not None:
            return subdistricts.filter(district_id=scope.district_id)
        case Role.SUBDISTRICT_STAFF if scope.subdistrict_id is not None:
            return subdistricts.filter(pk=scope.subdistrict_id)
        case Role.COMMITTEE_STAFF if scope.committee is not None:
            return subdistricts.filter(pk=scope.committee.subdistrict_id)
    return subdistricts.none()


def area_reading_scope(area: District | Subdistrict) -> StaffScope:
    """What a whole district or subdistrict may read, for what reads outside a request (a
    group robot's evening reminder): a district as its leader, a subdistrict as its staff.
    Never saved, it belongs to nobody and writes nothing."""
    if isinstance(area, District):
        return StaffScope(role=Role.DISTRICT_LEADER, district=area)
    return StaffScope(role=Role.SUBDISTRICT_STAFF, subdistrict=area)


def committees_visible_to(scope: StaffScope | None) -> QuerySet[Committee]:
    committees = Committee.objects.select_related("subdistrict__district")
    if is_committee_staff(scope):
        if scope.committee_id is None:
            return committees.none()
        return committees.filter(pk=scope.committee_id)
    return committees.filter(subdistrict__in=subdistricts_visible_to(scope))


def reads_whole_districts(scope: StaffScope | None) -> bool:
    """Leaders and administrators read districts as a whole (a district's ranking, its
    subdistricts side by side); staff read their one subdistrict."""
    return scope is not None and scope.role in (Role.ADMINISTRATOR, Role.DISTRICT_LEADER)


def is_committee_staff(scope: StaffScope | None) -> TypeGuard[StaffScope]:
    """Committee staff enter, export and open only their own committee."""
    return scope is not None and scope.role == Role.COMMITTEE_STAFF


def openable_committees(scope: StaffScope | None) -> set[int] | None:
    """The committees whose pages a ranking may link to: committee staff their own, the
    others every committee they read (None)."""
    if is_committee_staff(scope):
        return {scope.committee_id} if scope.committee_id is not None else set()
    return None


def reads_all_imports(scope: StaffScope | None) -> bool:
    """Administrators read every import attempt; the others their areas' and their own."""
    return scope is not None and scope.role == Role.ADMINISTRATOR


def reads_only_own_imports(scope: StaffScope | None) -> bool:
    """Committee staff open only the imports they made: a colleague's file holds another
    committee's rows, which their tally export does not give them either."""
    return scope is not None and scope.role == Role.COMMITTEE_STAFF


def sees_build_failures(scope: StaffScope | None) -> bool:
    """Administrators see why the last snapshot rebuild failed, on the figures it kept."""
    return scope is not None and scope.role == Role.ADMINISTRATOR


def import_subdistrict_id(scope: StaffScope | None) -> int | None:
    """The subdistrict an import attempt of this scope is filed under, if it has one."""
    if scope is None:
        return None
    if scope.role == Role.SUBDISTRICT_STAFF:
        return scope.subdistrict_id
    if scope.role == Role.COMMITTEE_STAFF and scope.committee is not None:
        return scope.committee.subdistrict_id
    return None


# Entering and correcting tallies -----------------------------------------------------------


def can_enter_tallies(scope: StaffScope | None) -> bool:
    """Everybody with a scope enters (and imports) tallies, except district leaders, who
    only read."""
    return scope is not None and scope.role != Role.DISTRICT_LEADER


def may_enter_committee(scope: StaffScope | None, committee_id: int | None) -> bool:
    """Whether the scope may enter a row of this committee (None: the non-residents' row)
    at a site it may enter; committee staff their own committee only."""
    if is_committee_staff(scope):
        return committee_id is not None and committee_id == scope.committee_id
    return True


def may_correct_locked_days(scope: StaffScope | None) -> bool:
    """Tallies before a subdistrict's lock date are final except for administrators."""
    return scope is not None and scope.role == Role.ADMINISTRATOR


# Plans, bulletins, notes, buildings ---------------------------------------------------------


def can_plan(scope: StaffScope | None) -> bool:
    """Administrators and subdistrict staff enter plans and mobile visits."""
    return scope is not None and scope.role in _ORGANISERS


def may_plan_past_days(scope: StaffScope | None) -> bool:
    """A plan is made before its day: only administrators change a past day's."""
    return scope is not None and scope.role == Role.ADMINISTRATOR


def can_publish_bulletins(scope: StaffScope | None) -> bool:
    """Administrators publish for every subdistrict they read, subdistrict staff for their
    own; district leaders and committee staff publish nothing."""
    return scope is not None and scope.role in _ORGANISERS


def can_write_notes(scope: StaffScope | None) -> bool:
    """Administrators and subdistrict staff; leaders and committee staff read only."""
    return scope is not None and scope.role in _ORGANISERS


def may_note_area(scope: StaffScope | None, area: Area) -> bool:
    """Whether the scope may add a note to ``area``'s timeline: administrators anywhere,
    subdistrict staff to their own subdistrict."""
    if scope is None or not can_write_notes(scope):
        return False
    if scope.role == Role.ADMINISTRATOR:
        return True
    return area.obj == scope.subdistrict


def can_record_buildings(scope: StaffScope | None) -> bool:
    """Administrators, subdistrict and committee staff record buildings; leaders read."""
    return scope is not None and scope.role != Role.DISTRICT_LEADER


# API tokens ----------------------------------------------------------------------------------


def token_scope(
    user: Account, *, district: District | None, subdistrict: Subdistrict | None
) -> StaffScope:
    """The scope (unsaved) of an API token's account: a district's token reads as its
    leader does; a subdistrict's as its staff, who also enter its tallies."""
    if district is not None:
        return StaffScope(user=user, role=Role.DISTRICT_LEADER, district=district)
    return StaffScope(user=user, role=Role.SUBDISTRICT_STAFF, subdistrict=subdistrict)


# Data quality ------------------------------------------------------------------------------


def may_review_quality(scope: StaffScope | None) -> bool:
    """Subdistrict staff, district leaders and administrators open the data-quality page;
    committee staff see the marks on their committee's figures only."""
    return scope is not None and scope.role in (*_ORGANISERS, Role.DISTRICT_LEADER)


def may_verify_quality(scope: StaffScope | None) -> bool:
    """Those who may correct the figures verify them ("已核实"); leaders only read."""
    return scope is not None and scope.role in _ORGANISERS
