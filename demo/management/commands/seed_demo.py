"""``manage.py seed_demo [--scale demo|city]``: write the demo data (see ``demo.seed``)."""

from __future__ import annotations

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandParser

from demo.seed import DemoSeedResult, demo_seed


class Command(BaseCommand):
    help = (
        "Write the demo data: Putuo/Wanli, Jing'an/Shimen Erlu and Zhengzhou/Erqi with a whole "
        "2021 campaign of tallies, targets and one login per role. --scale city adds a "
        "Shanghai-sized city for benchmarks. Only missing rows are inserted; nothing is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=("demo", "city"),
            default="demo",
            help="demo (default): the three reports' places; city: also 16 districts, "
            "~215 subdistricts, ~6,000 committees, ~1,500 sites (takes minutes).",
        )

    def handle(self, *args: object, scale: str, **options: object) -> None:
        started = time.monotonic()
        result = demo_seed(scale=scale, progress=self.stdout.write)
        elapsed = time.monotonic() - started
        self._summary(result, elapsed)
        self._logins(result)

    def _summary(self, result: DemoSeedResult, elapsed: float) -> None:
        self.stdout.write("")
        self.stdout.write(f"seed_demo --scale {result.scale}: {elapsed:.1f} s")
        for label, created in result.created.items():
            existing = result.existing.get(label, 0)
            self.stdout.write(
                f"  {label:<14} {created:>10,} inserted {existing:>10,} already there"
            )
        total = result.rows_created
        self.stdout.write(self.style.SUCCESS(f"{total:,} rows inserted in {elapsed:.1f} s."))

    def _logins(self, result: DemoSeedResult) -> None:
        self.stdout.write("")
        self.stdout.write("Demo logins (演示账号):")
        header = ("username", "password", "role", "scope")
        rows = [header] + [
            (
                login.username,
                login.password if login.created else "(exists: password unchanged)",
                login.role,
                login.scope,
            )
            for login in result.logins
        ]
        widths = [max(_width(row[column]) for row in rows) for column in range(len(header))]
        for row in rows:
            cells = [
                cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
            ]
            self.stdout.write("  " + "  ".join(cells).rstrip())


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
