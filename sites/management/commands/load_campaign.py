"""``manage.py load_campaign FOLDER [--dry-run]``: a campaign from a folder of files, in the
order they depend on each other (areas, campaign, sites, targets, accounts, tallies); all
or nothing. The work is ``sites.services.campaign_load``."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from campaign.access import superuser_accounts
from sites.services.campaign_load import KINDS, campaign_load


class Command(BaseCommand):
    help = (
        "Load a folder of CSV/XLSX files: "
        + ", ".join(names[0] for _kind, names, _resource in KINDS)
        + " (file names may start with a number: 1-districts.csv)."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--user", help="the account the load runs as (default: the first active superuser)"
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="the portal's address, to print whole set-password links "
            "(e.g. https://vax.example.org)",
        )

    def handle(self, *args, folder: Path, dry_run: bool, user: str | None, site_url: str, **kw):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        users = get_user_model().objects.filter(is_active=True)
        account = (
            users.filter(username=user).first()
            if user
            else users.filter(superuser_accounts()).order_by("pk").first()
        )
        if account is None:
            raise CommandError(
                f"No active user {user!r}." if user else "No active superuser: run createsuperuser."
            )
        load = campaign_load(folder=folder, user=account, dry_run=dry_run)
        for result in load.files:
            self.stdout.write(
                f"{result.name} ({result.kind}): {result.rows} rows: {result.new} new, "
                f"{result.updated} updated, {result.unchanged} unchanged, "
                f"{len({p.line for p in result.problems})} rejected"
            )
            for problem in result.problems:
                where = f"line {problem.line}" if problem.line else "file"
                column = f", {problem.column}" if problem.column else ""
                self.stdout.write(f"  {where}{column}: {problem.message}")
        for name in load.unknown_files:
            self.stdout.write(f"{name}: not read (its name says no kind of file)")
        if not load.ok:
            raise CommandError("Nothing was loaded: correct the rows above and run it again.")
        if dry_run:
            self.stdout.write("Dry run: every file passes its checks; nothing was written.")
            return
        for username, link in load.new_accounts:
            self.stdout.write(
                f"{username}: set a password at {site_url.rstrip('/')}{link} "
                "(shown once; good for 3 days)"
            )
        self.stdout.write("Loaded. Run rebuild_snapshots if no worker is running.")
