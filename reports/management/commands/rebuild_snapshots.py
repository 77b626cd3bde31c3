from datetime import date

from django.core.management.base import BaseCommand, CommandError

from audit.models import SnapshotBuild
from campaign.models import Campaign
from reports.services.snapshots import snapshots_rebuild


class Command(BaseCommand):
    help = "Rebuild the ranking and target-progress snapshots for a range of dates (backfill)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, start=None, end=None, **options):
        if start is None:
            first = Campaign.objects.order_by("start_date").first()
            if first is None:
                raise CommandError("There is no campaign: nothing to rebuild.")
            start = first.start_date
        if end is not None and end < start:
            raise CommandError("--to must not be before --from.")
        dates = snapshots_rebuild(
            start=start, end=end, trigger=SnapshotBuild.Trigger.COMMAND, job="rebuild_snapshots"
        )
        if dates:
            self.stdout.write(f"Rebuilt {len(dates)} dates: {dates[0]} to {dates[-1]}.")
        else:
            self.stdout.write("No campaign dates in that range.")
