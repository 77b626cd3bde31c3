"""Writers for the SQLite fault test: ``python -m tests.integration.sqlite_writers MODE ...``.

Each process is one writer on the file database in DATABASE_URL, with the embedded
default's settings (Celery eager, so every save also rebuilds the snapshots in-process):

- ``setup``: migrate, create the scene, print its ids as JSON;
- ``service N ROUNDS``: writer N saves its site's cells ROUNDS times through
  ``sites.services.tallies.record_tallies``;
- ``web N ROUNDS``: writer N saves its site's entry grid ROUNDS times through the web page
  (Django's handler, ATOMIC_REQUESTS, the view), as a clerk's browser does;
- ``check``: print the tallies, snapshots and journal mode as JSON.

Every failure a user would see (an exception, an answer other than the redirect after a
save) is printed as a line starting with ``FAILED`` and makes the exit status 1.
"""

import json
import os
import sys
import traceback

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
COMMITTEES = 3


def setup() -> None:
    from django.core.management import call_command

    from campaign.models import StaffScope
    from tests.factories import (
        CampaignFactory,
        CommitteeFactory,
        SiteFactory,
        StaffScopeFactory,
        SubdistrictFactory,
        UserFactory,
    )

    call_command("migrate", verbosity=0)
    subdistrict = SubdistrictFactory(name="万里街道")
    committees = [
        CommitteeFactory(subdistrict=subdistrict, eligible_population=1000)
        for _ in range(COMMITTEES)
    ]
    start = django.conf.settings.STREETVAX_DEMO_DATE.replace(day=1)
    CampaignFactory(start_date=start)
    sites = [
        SiteFactory(subdistrict=subdistrict, active_from=start, daily_capacity=100_000)
        for _ in range(int(sys.argv[2]))
    ]
    user = UserFactory(username="clerk")
    StaffScopeFactory(user=user, role=StaffScope.Role.SUBDISTRICT_STAFF, subdistrict=subdistrict)
    print(json.dumps({"sites": [s.pk for s in sites], "committees": [c.pk for c in committees]}))


def write(mode: str, writer: int, rounds: int) -> int:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from campaign.models import Committee
    from sites.models import Site
    from sites.services.tallies import TallyCell, record_tallies

    user = get_user_model().objects.get(username="clerk")
    site = Site.objects.order_by("pk")[writer]
    committees = list(Committee.objects.order_by("pk").values_list("pk", flat=True))
    on = django.conf.settings.STREETVAX_DEMO_DATE
    client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
    client.force_login(user)
    failures = 0
    for count in range(1, rounds + 1):
        version = count - 1 or None  # the version this writer saved last
        try:
            if mode == "service":
                record_tallies(
                    user=user,
                    cells=[
                        TallyCell(
                            date=on,
                            site_id=site.pk,
                            committee_id=pk,
                            dose_kind="first",
                            count=count,
                            seen_version=version,
                        )
                        for pk in committees
                    ],
                )
            else:
                data = {f"count-{pk}-first": str(count) for pk in committees}
                if version:
                    data.update({f"version-{pk}-first": str(version) for pk in committees})
                response = client.post(reverse("sites:entry", args=[site.pk, on.isoformat()]), data)
                if response.status_code != 302:
                    error = getattr(response, "exc_info", None)
                    detail = repr(error[1]) if error else response.content.decode()[:300]
                    print(f"FAILED {mode} {writer} round {count}: {response.status_code} {detail}")
                    failures += 1
        except Exception as error:  # everything a user would be shown as a failure
            print(f"FAILED {mode} {writer} round {count}: {error!r}")
            traceback.print_exc()
            failures += 1
    return 1 if failures else 0


def check() -> None:
    from django.db import connection

    from audit.models import SnapshotBuild
    from reports.models import CommitteeDay, StaleDate
    from sites.models import DailyTally

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
    on = django.conf.settings.STREETVAX_DEMO_DATE
    print(
        json.dumps(
            {
                "journal_mode": journal,
                "tallies": sorted(DailyTally.objects.values_list("count", "version")),
                "first_cumulative": sorted(
                    CommitteeDay.objects.filter(date=on).values_list("first_cumulative", flat=True)
                ),
                "stale": StaleDate.objects.count(),
                "builds": SnapshotBuild.objects.count(),
                "failed_builds": SnapshotBuild.objects.filter(
                    status=SnapshotBuild.Status.FAILED
                ).count(),
            }
        )
    )


def main() -> int:
    if os.environ.get("STREETVAX_TEST_PLAIN_SQLITE") == "true":
        # The control, by hand only: Django's SQLite defaults, to see this test fail.
        from django.conf import settings

        settings.DATABASES["default"]["OPTIONS"] = {}
    django.setup()
    mode = sys.argv[1]
    if mode == "setup":
        setup()
        return 0
    if mode == "check":
        check()
        return 0
    return write(mode, int(sys.argv[2]), int(sys.argv[3]))


if __name__ == "__main__":
    sys.exit(main())
