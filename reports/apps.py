from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # sites sends tallies_changed and imports nothing from reports (the apps depend
        # one way); the receiver marks the changed days' snapshots stale.
        from reports import receivers  # noqa: F401
