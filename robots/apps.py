from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RobotsConfig(AppConfig):
    name = "robots"
    verbose_name = _("Group robots")

    def ready(self) -> None:
        from robots import receivers  # noqa: F401  (connects the receivers)
