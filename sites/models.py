"""Vaccination sites and the daily tallies entered or imported for them.

A tally is saved only by ``sites.services`` (``record_tallies``), the one write path for the
grid, the import and the command alike (docs/architecture.md).
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaign.models import Committee, Subdistrict, TimeStampedModel


class Site(TimeStampedModel):
    class Kind(models.TextChoices):
        FIXED = "fixed", _("fixed site")
        TEMPORARY = "temporary", _("temporary site")
        MOBILE = "mobile", _("mobile team")

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="sites", verbose_name=_("subdistrict")
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    stations = models.PositiveSmallIntegerField(_("vaccination stations"), default=1)
    daily_capacity = models.PositiveIntegerField(
        _("daily capacity"), help_text=_("Most doses the site can give in one day.")
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(
        _("active to"), null=True, blank=True, help_text=_("Empty while the site stays open.")
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vaccination site")
        verbose_name_plural = _("vaccination sites")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stations__gte=1),
                name="site_at_least_one_station",
                violation_error_message=_("A site needs at least one station."),
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_from__lte=F("active_to")),
                name="site_active_from_not_after_active_to",
                violation_error_message=_("A site cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                | Q(opens_at__isnull=False, closes_at__isnull=False, opens_at__lt=F("closes_at")),
                name="site_opening_hours_in_order",
                violation_error_message=_(
                    "Give both opening and closing time, with opening before closing."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day: date) -> bool:
        """Whether the site works on ``day``: from ``active_from``, until ``active_to`` if set."""
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


class TallyHistoryFields(models.Model):
    """Kept on every history row of a tally, so a change reads "old → new" on its own."""

    previous_count = models.PositiveIntegerField(_("previous count"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def new_count(self) -> int | str:
        """The value after this change, as the history shows it: "–" when the cell was
        cleared (a removal's row keeps the last stored count)."""
        if getattr(self, "history_type", None) == "-":
            return "–"
        count: int = getattr(self, "count", 0)
        return count


class DailyTally(TimeStampedModel):
    """Doses of one kind given at one site on one day to residents of one committee.

    ``committee`` is empty for people from outside the subdistrict (enterprise sessions,
    passers-by). A row with count 0 means "reported zero"; no row means "not reported".
    ``version`` grows by one on every change, so a save that started from an older
    version is detected as a conflict instead of silently overwriting.
    """

    class DoseKind(models.TextChoices):
        FIRST = "first", _("first dose")
        SECOND = "second", _("second dose")
        BOOSTER = "booster", _("booster")

    class Source(models.TextChoices):
        ENTRY = "entry", _("browser entry")
        IMPORT = "import", _("file import")

    date = models.DateField(_("date"))
    # Each index costs every write of a 100,000-row import; these two carry only what
    # readers use. A site's tallies are found by (site, date), below; nobody looks tallies
    # up by who entered them (a user is deactivated, not deleted).
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="tallies",
        verbose_name=_("site"),
        db_index=False,
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tallies",
        verbose_name=_("residential committee"),
        help_text=_("Empty for non-residents, such as enterprise sessions or passers-by."),
    )
    dose_kind = models.CharField(_("dose"), max_length=8, choices=DoseKind.choices)
    count = models.PositiveIntegerField(_("doses"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        db_index=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # The history is read by tally, by site and day, by time and by who changed it.
    history = HistoricalRecords(
        bases=[TallyHistoryFields],
        no_db_index=["committee", "entered_by"],
        # A correction's reason (up to 200 characters) or "File import: <file name>" (255)
        # whole: the default column holds 100.
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        verbose_name = _("daily tally")
        verbose_name_plural = _("daily tallies")
        ordering = ["-date", "site", "committee", "dose_kind"]
        constraints = [
            # NULL never equals NULL in a plain unique index, so the key folds an empty
            # committee into 0: two non-resident rows for one site, day and dose clash too.
            models.UniqueConstraint(
                F("date"),
                F("site"),
                Coalesce(F("committee"), Value(0), output_field=models.BigIntegerField()),
                F("dose_kind"),
                name="dailytally_one_row_per_key",
                violation_error_message=_(
                    "This site already has a tally for this day, committee and dose."
                ),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0),
                name="dailytally_count_not_negative",
                violation_error_message=_("A count cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="dailytally_version_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "committee"], name="dailytally_date_committee"),
            # A site's tallies by day, and "which day did this site last report?" on the
            # not-yet-reported board.
            models.Index(fields=["site", "-date"], name="dailytally_site_last_day"),
        ]

    def __str__(self) -> str:
        committee = self.committee or _("non-resident")
        return f"{self.date} {self.site} {committee} {self.get_dose_kind_display()}: {self.count}"


class TallyImport(models.Model):
    """Every attempt to import a tally file: dry runs, refusals and real imports alike.

    The file itself is kept in the default storage under ``stored_as`` between the dry
    run and the confirmation, so any web process or worker can finish the import.
    """

    class Status(models.TextChoices):
        REFUSED = "refused", _("refused")
        CHECKED = "checked", _("checked, waiting for confirmation")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("importing")
        IMPORTED = "imported", _("imported")
        ALREADY_IMPORTED = "already", _("already imported")
        FAILED = "failed", _("failed")
        DISCARDED = "discarded", _("discarded")
        EXPIRED = "expired", _("expired unconfirmed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    district = models.ForeignKey(
        "campaign.District",
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
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    stored_as = models.CharField(_("stored as"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_new = models.PositiveIntegerField(_("new"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(
        _("preview"),
        default=list,
        blank=True,
        help_text=_("The first new and changed rows, with the value each change replaces."),
    )
    warnings = models.JSONField(
        _("warnings"),
        default=list,
        blank=True,
        help_text=_("Site days far above their usual days: to check before confirming."),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    job_sent_at = models.DateTimeField(
        _("job sent at"),
        null=True,
        blank=True,
        help_text=_(
            "When a queued import was last handed to the background workers; empty while "
            "the job service was unreachable (the sweep sends it)."
        ),
    )

    class Meta:
        verbose_name = _("tally import")
        verbose_name_plural = _("tally imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class SitePlan(TimeStampedModel):
    """The doses a site plans to give on one day (the seed's "每日接种计划"), entered by
    subdistrict staff through ``sites.services.plans.site_plans_set``. One plan per site and day.

    Plan vs actual compares it with the day's tallies: variance = actual − plan,
    variance % = variance ÷ plan.
    """

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="plans", verbose_name=_("site")
    )
    date = models.DateField(_("date"))
    planned_doses = models.PositiveIntegerField(_("planned doses"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily plan")
        verbose_name_plural = _("daily plans")
        ordering = ["date", "site"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "date"],
                name="siteplan_one_per_site_and_date",
                violation_error_message=_("This site already has a plan for this day."),
            ),
            models.CheckConstraint(
                condition=Q(planned_doses__gte=0),
                name="siteplan_planned_doses_not_negative",
                violation_error_message=_("A plan cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["date", "site"], name="siteplan_date_site")]

    def __str__(self) -> str:
        return f"{self.date} {self.site}: {self.planned_doses}"


class MobileVisit(TimeStampedModel):
    """A mobile team's (or vaccination bus's) visit: which day it went to which committee
    and/or compound, with the doses given there if known. Recorded through
    ``sites.services.plans.mobile_visit_record``; the site must be of kind mobile."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="visits", verbose_name=_("mobile team")
    )
    date = models.DateField(_("date"))
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mobile_visits",
        verbose_name=_("residential committee"),
    )
    compound = models.CharField(
        _("compound"),
        max_length=100,
        blank=True,
        help_text=_("The compound, building or business park visited, e.g. 水泉路99弄."),
    )
    doses = models.PositiveIntegerField(_("doses"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mobile visit")
        verbose_name_plural = _("mobile visits")
        ordering = ["-date", "site", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(committee__isnull=False) | ~Q(compound=""),
                name="mobilevisit_committee_or_compound",
                violation_error_message=_("Give the committee or the compound visited."),
            ),
            models.CheckConstraint(
                condition=Q(doses__isnull=True) | Q(doses__gte=0),
                name="mobilevisit_doses_not_negative",
                violation_error_message=_("Doses cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["site", "-date"], name="mobilevisit_site_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.site}: {self.compound or self.committee}"


class TallyChange(DailyTally.history.model):  # type: ignore[name-defined] # built at run time by simple_history
    """A tally's history row, read in the audit: the same table, not a copy."""

    class Meta:
        proxy = True
        verbose_name = _("tally change")
        verbose_name_plural = _("tally changes")
        ordering = ["-history_date", "-history_id"]


class SaveReceipt(models.Model):
    """The first answer to one save of the entry grid, kept under the key the page sent
    with it: a repeat of the key (a double tap, a retry after a lost answer, a queued save
    sent again days later) gets this answer and writes nothing. Written in the save's own
    transaction, so a receipt exists exactly when its save happened."""

    key = models.UUIDField(_("save key"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField(_("date"))
    status = models.PositiveSmallIntegerField(_("answer status"))
    body = models.JSONField(_("answer"), default=dict)
    # Receipts older than RECEIPT_DAYS are deleted by the hourly sweep (by this column).
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("save receipt")
        verbose_name_plural = _("save receipts")

    def __str__(self) -> str:
        return str(self.key)
