"""The reports' answer to the sites app's signals: receivers only call a service."""

from django.dispatch import receiver

from reports.services.snapshots import snapshots_mark_stale
from sites.signals import tallies_changed


@receiver(tallies_changed, dispatch_uid="reports.snapshots_mark_stale")
def mark_snapshots_stale(sender, *, dates, **kwargs) -> None:
    snapshots_mark_stale(dates=dates)
