"""The reports' answer to the sites app's signals: receivers only call a service."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from audit.models import SnapshotBuild
from campaign.models import BuildingCount, Campaign, Target
from reports.models import QualityFlag, StaleDate
from reports.selectors.stamps import page_stamps_forget
from reports.services.snapshots import snapshots_mark_stale
from sites.signals import tallies_changed


@receiver(tallies_changed, dispatch_uid="reports.snapshots_mark_stale")
def mark_snapshots_stale(sender, *, dates, **kwargs) -> None:
    snapshots_mark_stale(dates=dates)


# What the snapshot pages' stamp is made of (reports/selectors/stamps.py): a save or a
# delete of one of these, in a service, the admin or an import, gives the pages a new ETag.
STAMPED = (StaleDate, SnapshotBuild, QualityFlag, BuildingCount, Campaign, Target)


def _stamped_changed(sender, **kwargs) -> None:
    page_stamps_forget()


for _model in STAMPED:
    post_save.connect(_stamped_changed, sender=_model, dispatch_uid=f"stamp-saved-{_model}")
    post_delete.connect(_stamped_changed, sender=_model, dispatch_uid=f"stamp-deleted-{_model}")
