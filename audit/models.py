"""The audit trail: who did what, when, from where. Rows are only ever added.

No page, admin or service changes or deletes an event; administrators read them in the
admin. Tally changes keep their own history (django-simple-history, with who, when,
old → new and why); this table records what has no row of its own: logins, failed logins,
lockouts, refused accesses and exports.
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
