"""Targets reached before the robots existed are not news: they count as announced, so
the first rebuild after this migration does not post the whole campaign's past."""

from django.db import migrations
from django.db.models import Min


def mark_reached_targets_announced(apps, schema_editor):
    TargetProgress = apps.get_model("reports", "TargetProgress")
    TargetAnnouncement = apps.get_model("robots", "TargetAnnouncement")
    reached = (
        TargetProgress.objects.filter(reached_on__isnull=False)
        .values("target_id")
        .annotate(first=Min("reached_on"))
    )
    TargetAnnouncement.objects.bulk_create(
        [TargetAnnouncement(target_id=r["target_id"], reached_on=r["first"]) for r in reached],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("robots", "0001_initial")]

    operations = [
        migrations.RunPython(mark_reached_targets_announced, migrations.RunPython.noop),
    ]
