"""Geography (district → subdistrict → committee), campaigns, targets and staff scopes.

The rules that must always hold are database constraints, so the admin, the entry page,
the CSV import and the demo seeder cannot store a row that breaks them.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AreaFields(TimeStampedModel):
    """What every level of the geography has: a code from the district system, a name
    and the eligible population that is the denominator of its coverage. (An area as the
    pages pick it, with its parent and committees, is ``campaign.areas.Area``.)"""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    eligible_population = models.PositiveIntegerField(
        _("eligible population"),
        help_text=_("People eligible for vaccination: the denominator of coverage."),
    )

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


def _population_positive(model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(eligible_population__gt=0),
        name=f"{model}_eligible_population_positive",
        violation_error_message=_("The eligible population must be greater than 0."),
    )


class District(AreaFields):
    history = HistoricalRecords()

    class Meta(AreaFields.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [_population_positive("district")]


class Subdistrict(AreaFields):
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="subdistricts", verbose_name=_("district")
    )
    lock_date = models.DateField(
        _("locked before"),
        null=True,
        blank=True,
        help_text=_(
            "Tallies dated before this day are final: only an administrator may correct them."
        ),
    )
    history = HistoricalRecords()

    class Meta(AreaFields.Meta):
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")
        constraints = [_population_positive("subdistrict")]


class Committee(AreaFields):
    """A residential committee (居委/居民区), the unit the daily ranking compares."""

    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="committees",
        verbose_name=_("subdistrict"),
    )
    history = HistoricalRecords()

    class Meta(AreaFields.Meta):
        verbose_name = _("residential committee")
        verbose_name_plural = _("residential committees")
        constraints = [_population_positive("committee")]


class Campaign(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    doses_for_full_course = models.PositiveSmallIntegerField(
        _("doses for a full course"),
        default=2,
        help_text=_("The dose that completes the course counts towards full-course coverage."),
    )
    second_dose_min_days = models.PositiveSmallIntegerField(
        _("second dose: earliest, days after the first"),
        default=21,
        help_text=_("A second dose is due from this many days after the first dose."),
    )
    second_dose_max_days = models.PositiveSmallIntegerField(
        _("second dose: latest, days after the first"),
        default=56,
        help_text=_("Past this many days after the first dose, the second dose is overdue."),
    )
    golden_shield_threshold = models.DecimalField(
        _("golden shield threshold (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("75.0"),
        help_text=_(
            "A building with at least this percent of its residents vaccinated is a "
            "golden shield building."
        ),
    )
    # Data quality: when a figure is unusual enough to ask the clerk and to flag it
    # (sites.selectors.outliers; the rule is in docs/user-guide.md).
    outlier_mad_multiple = models.DecimalField(
        _("unusual day: median absolute deviations above the median"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("5.0"),
        help_text=_(
            "A site's day (or one cell of it) above its recent median by more than this "
            "many median absolute deviations is unusual: the clerk confirms it and it is "
            "flagged."
        ),
    )
    outlier_reported_days = models.PositiveSmallIntegerField(
        _("unusual day: recent reported days compared"),
        default=14,
        help_text=_("How many of the site's latest reported days give its median."),
    )
    outlier_capacity_multiple = models.DecimalField(
        _("unusual day: multiple of the daily capacity"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("3.0"),
        help_text=_(
            "A site's day above this multiple of its daily capacity is always unusual, "
            "whatever its recent days."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")),
                name="campaign_start_not_after_end",
                violation_error_message=_("The start date must not be after the end date."),
            ),
            models.CheckConstraint(
                condition=Q(doses_for_full_course__gte=1),
                name="campaign_full_course_at_least_one_dose",
                violation_error_message=_("A full course needs at least one dose."),
            ),
            models.CheckConstraint(
                condition=Q(second_dose_min_days__gte=1)
                & Q(second_dose_max_days__gte=F("second_dose_min_days")),
                name="campaign_second_dose_interval_in_order",
                violation_error_message=_(
                    "The second dose's earliest day must be at least 1 and not after its "
                    "latest day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(outlier_mad_multiple__gt=0)
                & Q(outlier_reported_days__gte=5)
                & Q(outlier_capacity_multiple__gte=1),
                name="campaign_outlier_rule_sensible",
                violation_error_message=_(
                    "The unusual-day rule needs a multiple of deviations above 0, at least 5 "
                    "reported days and a capacity multiple of at least 1."
                ),
            ),
            models.CheckConstraint(
                condition=Q(golden_shield_threshold__gt=0, golden_shield_threshold__lte=100),
                name="campaign_golden_shield_threshold_a_percent",
                violation_error_message=_(
                    "The golden shield threshold must be above 0%% and at most 100%%."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: date) -> bool:
        """Whether ``day`` is one of the campaign's days (both ends included)."""
        return self.start_date <= day <= self.end_date


class AreaOfOneLevel(models.Model):
    """A district, a subdistrict or a committee: which of them must be set is a
    constraint of the model that uses it."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("district")
    )
    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("subdistrict")
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("residential committee"),
    )

    class Meta:
        abstract = True

    @property
    def area(self) -> District | Subdistrict | Committee | None:
        return self.district or self.subdistrict or self.committee


class Target(AreaOfOneLevel, TimeStampedModel):
    """A goal for one area over one period: a month, a phase or a few days' sprint.

    Exactly one of district, subdistrict or committee is set. It is reached on the first
    date its cumulative value within the period is at least ``value``.
    """

    class Metric(models.TextChoices):
        ALL_DOSES = "all_doses", _("all doses")
        FIRST = "first", _("first doses")
        FULL_COURSE = "full_course", _("full course")
        BOOSTER = "booster", _("booster doses")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="targets", verbose_name=_("campaign")
    )
    name = models.CharField(_("name"), max_length=100)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    value = models.PositiveIntegerField(_("target value"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["period_start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(district__isnull=False, subdistrict__isnull=True, committee__isnull=True)
                    | Q(district__isnull=True, subdistrict__isnull=False, committee__isnull=True)
                    | Q(district__isnull=True, subdistrict__isnull=True, committee__isnull=False)
                ),
                name="target_exactly_one_scope",
                violation_error_message=_(
                    "Choose exactly one of district, subdistrict or residential committee."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")),
                name="target_period_start_not_after_end",
                violation_error_message=_("The period must not start after it ends."),
            ),
            models.CheckConstraint(
                condition=Q(value__gt=0),
                name="target_value_positive",
                violation_error_message=_("The target value must be greater than 0."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffScope(AreaOfOneLevel, TimeStampedModel):
    """What one user may see and do. A user holds at most one scope.

    Administrators do everything; a district leader reads the district and writes nothing;
    subdistrict staff enter tallies for their subdistrict; committee staff for their
    committee only. The area field that matches the role is set, the others are empty.
    """

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", _("administrator")
        DISTRICT_LEADER = "district_leader", _("district leader")
        SUBDISTRICT_STAFF = "subdistrict_staff", _("subdistrict staff")
        COMMITTEE_STAFF = "committee_staff", _("committee staff")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_scope",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff scope")
        verbose_name_plural = _("staff scopes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role="administrator",
                        district__isnull=True,
                        subdistrict__isnull=True,
                        committee__isnull=True,
                    )
                    | Q(
                        role="district_leader",
                        district__isnull=False,
                        subdistrict__isnull=True,
                        committee__isnull=True,
                    )
                    | Q(
                        role="subdistrict_staff",
                        district__isnull=True,
                        subdistrict__isnull=False,
                        committee__isnull=True,
                    )
                    | Q(
                        role="committee_staff",
                        district__isnull=True,
                        subdistrict__isnull=True,
                        committee__isnull=False,
                    )
                ),
                name="staffscope_area_matches_role",
                violation_error_message=_(
                    "Set only the area that matches the role: a district for a district "
                    "leader, a subdistrict for subdistrict staff, a committee for committee "
                    "staff, none for an administrator."
                ),
            ),
        ]

    ROLE_DESCRIPTIONS = {
        Role.ADMINISTRATOR: _("See and change everything, manage users and their scopes."),
        Role.DISTRICT_LEADER: _("Read every figure of your district. You cannot change data."),
        Role.SUBDISTRICT_STAFF: _(
            "Enter and correct the daily tallies of your subdistrict's sites and committees."
        ),
        Role.COMMITTEE_STAFF: _("Enter the daily tallies of your own committee."),
    }

    def __str__(self) -> str:
        area = self.area
        role = self.get_role_display()
        return f"{self.user} · {role} · {area}" if area else f"{self.user} · {role}"

    @property
    def role_description(self) -> str:
        """What the role may do, in the user's language."""
        return str(self.ROLE_DESCRIPTIONS[self.Role(self.role)])


class Building(TimeStampedModel):
    """A residential building (楼栋) of a committee, with its number of residents: the
    denominator of the building's coverage. Written only by ``campaign.services``."""

    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        related_name="buildings",
        verbose_name=_("residential committee"),
    )
    name = models.CharField(_("name"), max_length=100)
    residents = models.PositiveIntegerField(_("residents"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["committee", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"],
                name="building_name_unique_in_committee",
                violation_error_message=_("This committee already has a building of that name."),
            ),
            models.CheckConstraint(
                condition=Q(residents__gt=0),
                name="building_residents_positive",
                violation_error_message=_("A building has at least 1 resident."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BuildingCount(TimeStampedModel):
    """How many of a building's residents were vaccinated (at least one dose), as counted
    on a date. One count per building and date; a later count supersedes an earlier one.
    It is never more than the building's residents (checked by the service)."""

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="counts", verbose_name=_("building")
    )
    date = models.DateField(_("date"))
    vaccinated = models.PositiveIntegerField(_("residents vaccinated"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("building count")
        verbose_name_plural = _("building counts")
        ordering = ["building", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "date"],
                name="buildingcount_one_per_date",
                violation_error_message=_("This building already has a count for that day."),
            ),
        ]
        indexes = [models.Index(fields=["building", "-date"], name="buildingcount_latest")]

    def __str__(self) -> str:
        return f"{self.building_id} {self.date}: {self.vaccinated}"
