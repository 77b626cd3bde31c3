"""The audit trail: who did what, when, from where. Rows are only ever added.

No page, admin or service changes or deletes an event; administrators read them in the
admin. Three kinds of record make up the audit:

- ``AuditEvent``: what has no row of its own: logins, failed logins, lockouts, refused
  accesses, exports, imports (checked and done, with the file's SHA-256 and counts),
  published bulletins, timeline notes and every call of the HTTP API.
- ``sites.models.TallyChange``: the tally history itself (django-simple-history's table,
  written by ``sites.services.tallies``: who, when, old → new, source and reason), shown
  in the admin; not a copy. It lives with the tallies: the audit imports no app above it.
- ``SnapshotBuild``: one row per snapshot rebuild: the dates, when it ran, which job ran
  it and the latest tally change it saw.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("login")
        LOGOUT = "logout", _("logout")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOCKOUT = "lockout", _("lockout")
        REFUSED = "refused", _("refused access")
        EXPORT = "export", _("export")
        IMPORT_CHECKED = "import_checked", _("import checked")
        IMPORTED = "imported", _("import finished")
        PUBLISHED = "published", _("bulletin published")
        NOTE_ADDED = "note_added", _("timeline note added")
        NOTE_DELETED = "note_deleted", _("timeline note deleted")
        API_CALL = "api_call", _("API call")
        FAILED = "failed", _("request failed")
        VERIFIED = "verified", _("figure verified")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices, db_index=True)
    # The account, when known; the username as typed is kept too (a failed login may name
    # no account, and the text stays if the account is ever removed).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=8, blank=True)
    path = models.CharField(_("address requested"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"


class SnapshotBuild(models.Model):
    """One rebuild of the snapshot tables: which dates, when, by which job, and how fresh
    the tallies it read were. A snapshot row's ``computed_at`` equals the ``computed_at``
    of the build that last changed it (a district row: the build that wrote it, as every
    build writes them), so every ranking row leads to the job that wrote it.

    Written in the rebuild's own transaction: a build that rolls back leaves a row with
    the status "failed" and the error instead (a worker killed outright leaves none, and
    the rebuild runs again).
    """

    class Trigger(models.TextChoices):
        TASK = "task", _("background job (worker)")
        EAGER = "eager", _("job run in-process")
        COMMAND = "command", _("management command")
        OTHER = "other", _("other caller")

    class Status(models.TextChoices):
        BUILT = "built", _("snapshot built")
        FAILED = "failed", _("failed")

    first_date = models.DateField(_("first day built"))
    last_date = models.DateField(_("last day built"))
    started_at = models.DateTimeField(_("build started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"))
    computed_at = models.DateTimeField(
        _("computed at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The time the snapshot rows of this build carry."),
    )
    tallies_changed_at = models.DateTimeField(
        _("latest tally change seen"),
        null=True,
        blank=True,
        help_text=_("The data-as-of time: the newest tally change the build could read."),
    )
    trigger = models.CharField(_("built by"), max_length=16, choices=Trigger.choices)
    job = models.CharField(
        _("job name"), max_length=100, blank=True, help_text=_("The task name or the command.")
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    error = models.TextField(_("why it failed"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("snapshot build")
        verbose_name_plural = _("snapshot builds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_date__lte=models.F("last_date")),
                name="snapshotbuild_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_date}–{self.last_date} {self.get_trigger_display()}"
