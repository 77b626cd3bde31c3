"""The production Celery app, with the snapshot rebuild pausing inside its transaction.

Only the fault tests start a worker with it (``celery -A tests.integration.paused_worker
worker``), so that they can kill the worker or let the time limit strike at a known point:
after the rebuild has deleted a range's old rows and written the new committee,
subdistrict and district rows, before it writes target progress and commits. Nothing in
the project imports this module; the production code has no hook.

Environment:
- ``STREETVAX_TEST_PAUSE_FILE``: written with the process id when the pause begins;
- ``STREETVAX_TEST_PAUSE_SECONDS``: how long to pause (default 600);
- ``STREETVAX_TEST_PAUSE_IN``: ``python`` (default: a sleep a signal interrupts) or
  ``database`` (``pg_sleep``: a long statement, which the soft time limit cannot stop);
- ``STREETVAX_TEST_PAUSE_ONCE``: ``true`` pauses only while that file does not exist yet,
  so the task's next run goes straight through;
- ``STREETVAX_TEST_VISIBILITY_TIMEOUT``: seconds after which Redis hands a task that a dead
  worker never acknowledged to another worker (10 minutes in production), looked for
  every second instead of every 100.
"""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from portal.celery import app

__all__ = ["app"]

if visibility := os.environ.get("STREETVAX_TEST_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": int(visibility),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }


@task_prerun.connect
def _pause_inside_the_rebuild(**_kwargs) -> None:
    from django.db import connection  # Django is set up once a task runs

    from reports import builders

    if getattr(builders._build_range, "paused", False):
        return
    build_range = builders._build_range
    marker = Path(os.environ["STREETVAX_TEST_PAUSE_FILE"])
    seconds = float(os.environ.get("STREETVAX_TEST_PAUSE_SECONDS", "600"))
    once = os.environ.get("STREETVAX_TEST_PAUSE_ONCE", "") == "true"
    in_database = os.environ.get("STREETVAX_TEST_PAUSE_IN", "python") == "database"

    def paused(days, **options):
        build_range(days, **options)
        if once and marker.exists():
            return
        marker.write_text(str(os.getpid()))
        if in_database:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(%s)", [seconds])
        else:
            time.sleep(seconds)

    paused.paused = True
    builders._build_range = paused
