"""Tokens for district systems and the answers kept for their Idempotency-Key headers.

A token acts as an account of its own (``ApiToken.user``): an account that cannot log in,
whose ``StaffScope`` (a district's leader or a subdistrict's staff) is the token's scope.
So the API reads and writes through the same scope rules, the same ``record_tallies`` and
the same audit trail as the pages, and the tally history names the token.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Access(models.TextChoices):
        READ = "read", _("read")
        READ_WRITE = "read_write", _("read and write")

    name = models.CharField(
        _("name"), max_length=100, help_text=_("The system that uses it, e.g. 普陀区接种系统.")
    )
    # The first characters of the token, shown so an administrator can tell tokens apart;
    # the token itself is never stored, only its SHA-256.
    prefix = models.CharField(_("starts with"), max_length=16, db_index=True, editable=False)
    key_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_token",
        verbose_name=_("acts as account"),
        editable=False,
    )
    access = models.CharField(_("access"), max_length=16, choices=Access.choices)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def writes(self) -> bool:
        return self.access == self.Access.READ_WRITE

    def usable_at(self, when) -> bool:
        """Neither revoked nor expired at ``when``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > when)


class IdempotentAnswer(models.Model):
    """The first answer to a write sent with an ``Idempotency-Key`` header: the same key
    from the same token gets this answer again and writes nothing."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotent answer")
        verbose_name_plural = _("idempotent answers")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotentanswer_key_per_token")
        ]

    def __str__(self) -> str:
        return self.key
