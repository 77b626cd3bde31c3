from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign and areas")

    def ready(self) -> None:
        # Saves of users and scopes forget the cached session user in every process (web,
        # worker, commands), not only where the middleware runs.
        from campaign import checks, session_user  # noqa: F401
