"""Snapshot tables, written only by ``reports.builders`` (through the rebuild job).

Pages read these and never add up raw tallies per request. Each table is keyed by date:
a rebuild recomputes that date's rows and writes those that changed, so running it twice
changes nothing. CommitteeDay is
also the table of running totals: day D's cumulative figures are D-1's plus D's tallies.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.models import Committee, District, Subdistrict, Target


class DayFigures(models.Model):
    """Doses given on the day and cumulative to the day, per dose kind.

    ``full_course_*`` counts the dose that completes the course (the second dose for a
    two-dose campaign). Coverage = cumulative ÷ eligible population.

    The figures are 64-bit: a district's day adds up thousands of cells, each up to the
    per-cell maximum, which can pass a 32-bit integer's 2,147,483,647.
    """

    date = models.DateField(_("date"))
    first_doses = models.PositiveBigIntegerField(_("first doses today"), default=0)
    second_doses = models.PositiveBigIntegerField(_("second doses today"), default=0)
    booster_doses = models.PositiveBigIntegerField(_("booster doses today"), default=0)
    first_cumulative = models.PositiveBigIntegerField(_("first doses, cumulative"), default=0)
    second_cumulative = models.PositiveBigIntegerField(_("second doses, cumulative"), default=0)
    booster_cumulative = models.PositiveBigIntegerField(_("booster doses, cumulative"), default=0)
    full_course_cumulative = models.PositiveBigIntegerField(_("full course, cumulative"), default=0)
    first_coverage = models.FloatField(_("first-dose coverage"), default=0)
    full_course_coverage = models.FloatField(_("full-course coverage"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        abstract = True


class CommitteeDay(DayFigures):
    """One committee's residents on one day, with its rank in subdistrict and district.

    Ranks are standard competition ranks (1, 2, 2, 4) by first-dose coverage.
    A rank change is yesterday's rank minus today's: positive means the committee moved up.
    """

    # The rebuild writes a million rows for a city's campaign, so this table carries only
    # the indexes its readers use. Its ids come from the area tables in the same statement
    # that writes them, so the database does not check them again (that check was a third
    # of a backfill); deleting an area still deletes its rows, through Django.
    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        related_name="days",
        verbose_name=_("committee"),
        db_index=False,  # the unique (committee, date) index serves a committee's history
        db_constraint=False,
    )
    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("subdistrict"),
        db_index=False,  # read by (date, subdistrict), below
        db_constraint=False,
    )
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("district"),
        db_index=False,  # read by (date, district), below
        db_constraint=False,
    )
    rank_in_subdistrict = models.PositiveIntegerField(_("rank in subdistrict"))
    rank_in_district = models.PositiveIntegerField(_("rank in district"))
    rank_change = models.IntegerField(_("rank change in subdistrict"), null=True, blank=True)
    district_rank_change = models.IntegerField(_("rank change in district"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee day")
        verbose_name_plural = _("committee days")
        constraints = [
            models.UniqueConstraint(fields=["committee", "date"], name="committeeday_one_per_date")
        ]
        indexes = [
            models.Index(fields=["date", "subdistrict"], name="committeeday_date_sub"),
            models.Index(fields=["date", "district"], name="committeeday_date_district"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.committee_id}"


class SubdistrictDay(DayFigures):
    """All doses given at the subdistrict's sites (non-residents included); coverage counts
    the residents of its committees only."""

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.CASCADE, related_name="days", verbose_name=_("subdistrict")
    )
    rank_in_district = models.PositiveIntegerField(_("rank in district"))

    class Meta:
        verbose_name = _("subdistrict day")
        verbose_name_plural = _("subdistrict days")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "subdistrict"], name="subdistrictday_one_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.subdistrict_id}"


class DistrictDay(DayFigures):
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="days", verbose_name=_("district")
    )

    class Meta:
        verbose_name = _("district day")
        verbose_name_plural = _("district days")
        constraints = [
            models.UniqueConstraint(fields=["date", "district"], name="districtday_one_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.district_id}"


class TargetProgress(models.Model):
    """How far a target is on a date. ``achieved`` counts the target's metric from the
    period start to the date (or the period end); percent may pass 100."""

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="progress", verbose_name=_("target")
    )
    date = models.DateField(_("date"))
    achieved = models.PositiveBigIntegerField(_("achieved"))
    percent = models.FloatField(_("percent"))
    remaining = models.PositiveBigIntegerField(_("remaining"))
    pace_needed = models.PositiveBigIntegerField(
        _("daily pace needed"),
        null=True,
        blank=True,
        help_text=_("Doses a day needed for the rest of the period; empty when reached or over."),
    )
    projected_on = models.DateField(
        _("projected completion"),
        null=True,
        blank=True,
        help_text=_("When the target is met at the last 7 days' pace."),
    )
    reached_on = models.DateField(_("reached on"), null=True, blank=True)
    days_early = models.IntegerField(
        _("days early"),
        null=True,
        blank=True,
        help_text=_("Days between reaching the target and the end of its period."),
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("target progress")
        verbose_name_plural = _("target progress")
        constraints = [
            models.UniqueConstraint(fields=["date", "target"], name="targetprogress_one_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.target_id}: {self.percent}%"


class StaleDate(models.Model):
    """A date whose snapshots must be rebuilt. Written in the same transaction as the tally
    change, so a rebuild is never lost: the nightly sweep rebuilds what a job missed."""

    date = models.DateField(_("date"), unique=True)
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("date waiting for a rebuild")
        verbose_name_plural = _("dates waiting for a rebuild")

    def __str__(self) -> str:
        return str(self.date)


class Bulletin(models.Model):
    """A published daily bulletin (每日通报) of one subdistrict: a frozen copy, never updated.

    ``figures`` holds what was shown when it was published (totals, every committee's row,
    targets, sites that had not reported) as plain JSON, so later corrections of the
    tallies leave it as it was; the page then marks it "restated" and links to the current
    figures and to the corrections. One bulletin per subdistrict and day.
    """

    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="bulletins",
        verbose_name=_("subdistrict"),
    )
    date = models.DateField(_("date"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    # The publisher's display name when it was published: the footer never changes with
    # a later rename. Empty on bulletins published before it was kept.
    published_by_name = models.CharField(_("published by (name)"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published at"))
    data_as_of = models.DateTimeField(_("data as of"))
    figures = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("daily bulletin")
        verbose_name_plural = _("daily bulletins")
        ordering = ["-date", "subdistrict__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "date"],
                name="bulletin_one_per_subdistrict_date",
                violation_error_message=_("This day's bulletin has already been published."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.subdistrict}"


class MilestoneNote(models.Model):
    """A note staff add to the timeline (大事记) of a subdistrict or a district: a visit,
    an event. Exactly one of the two areas is set."""

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subdistrict"),
    )
    date = models.DateField(_("date"))
    text = models.CharField(_("note"), max_length=200)
    # A note outlives its author's account: it is part of the area's history.
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("timeline note")
        verbose_name_plural = _("timeline notes")
        ordering = ["date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=False, subdistrict__isnull=True)
                | Q(district__isnull=True, subdistrict__isnull=False),
                name="milestonenote_exactly_one_area",
                violation_error_message=_("Choose a district or a subdistrict."),
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="milestonenote_text_not_empty",
                violation_error_message=_("Write the note."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.text}"


class QualityFlag(models.Model):
    """A figure that may be wrong, found by the snapshot rebuild
    (``reports.services.quality``), shown on the data-quality page until somebody
    verifies it. One row per ``key``: the rule and
    what it is about, so a rebuild finds its earlier row again. A verified flag is closed;
    it opens again when its figure changes."""

    class Rule(models.TextChoices):
        UNUSUAL_DAY = "unusual_day", _("unusual day at a site")
        ABOVE_POPULATION = "above_population", _("first doses above the eligible population")
        SECOND_ABOVE_FIRST = "second_above_first", _("second doses above earlier first doses")
        OTHER_SUBDISTRICT = "other_subdistrict", _("tallies at another subdistrict's site")

    key = models.CharField(_("key"), max_length=100, unique=True)
    rule = models.CharField(_("rule"), max_length=24, choices=Rule.choices)
    # The subdistrict whose staff check it: the site's, or the committee's.
    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.CASCADE, related_name="+", verbose_name=_("subdistrict")
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("residential committee"),
    )
    site = models.ForeignKey(
        "sites.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    date = models.DateField(_("date"))
    # A cumulative total: 64-bit, as the snapshots' figures are.
    figure = models.PositiveBigIntegerField(_("figure"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    found_at = models.DateTimeField(_("found at"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_reason = models.CharField(_("why it is right"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("data-quality flag")
        verbose_name_plural = _("data-quality flags")
        ordering = ["-date", "rule", "key"]
        indexes = [
            models.Index(fields=["subdistrict", "verified_at"], name="qualityflag_open_by_area"),
            models.Index(fields=["rule", "date"], name="qualityflag_rule_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.date} {self.figure}"


class SiteDay(models.Model):
    """A site's reported day: the doses of all kinds given there, written by the rebuild
    with the other snapshots (``reports.services.quality``). A site's recent days (the
    unusual-day rule) and the reporting rate read these rows, not the tallies."""

    site = models.ForeignKey(
        "sites.Site",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("site"),
        db_index=False,  # the unique (site, date) index serves a site's days
    )
    date = models.DateField(_("date"))
    doses = models.PositiveBigIntegerField(_("doses"))

    class Meta:
        verbose_name = _("site day")
        verbose_name_plural = _("site days")
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="siteday_one_per_date")
        ]
        indexes = [models.Index(fields=["date"], name="siteday_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.site_id}: {self.doses}"
