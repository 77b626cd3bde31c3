from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        # Logins, logouts, failures and lockouts are only observable through the auth and
        # django-axes signals; the receivers do nothing but call audit.services.
        from audit import receivers  # noqa: F401
