"""``manage.py import_tallies FILE [--dry-run] [--user NAME]``: for scheduled drops from
district systems. The same checks and the same import as the import page, run as the
given account (its scope applies) or, by default, as the first active administrator."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from campaign.access import superuser_accounts
from sites.models import TallyImport
from sites.services.imports import tally_import_check, tally_import_run


class Command(BaseCommand):
    help = "Import a tally CSV (UTF-8, UTF-8 with BOM or GBK; comma or tab separated)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            help="the account the import runs as, its scope applies (default: the first "
            "active superuser)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args, file: Path, user: str | None, dry_run: bool, **options):
        users = get_user_model().objects.filter(is_active=True)
        account = (
            users.filter(username=user).first()
            if user
            else users.filter(superuser_accounts()).order_by("pk").first()
        )
        if account is None:
            raise CommandError(f"No active user {user!r}." if user else "No active superuser.")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        log = tally_import_check(
            user=account, file_name=file.name, content=content, store=not dry_run
        )
        if log.status == TallyImport.Status.CHECKED and not dry_run:
            log = tally_import_run(log=log)
        self.stdout.write(
            f"{file.name} (as {account.get_username()}): {log.get_status_display()} · "
            f"{log.encoding or '-'} · "
            f"{log.rows_total} rows: {log.rows_new} new, {log.rows_updated} updated, "
            f"{log.rows_unchanged} unchanged, {log.rows_rejected} rejected"
        )
        for problem in log.errors:
            where = f"line {problem['line']}" if problem["line"] else "file"
            column = f", {problem['column']}" if problem["column"] else ""
            self.stdout.write(f"  {where}{column}: {problem['message']}")
        if log.status in (TallyImport.Status.REFUSED, TallyImport.Status.FAILED):
            raise CommandError("Nothing was imported.")
