"""One timed import for ``bench.run``, in its own process so its peak memory is its own."""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from reports.services import snapshots as report_services  # noqa: E402
from sites.models import TallyImport  # noqa: E402
from sites.services.imports import tally_import_check, tally_import_run  # noqa: E402

# The ranking rebuild after the import is a job of its own, measured by bench.run.
report_services._request_rebuild = lambda start: None

path = sys.argv[1]
user = get_user_model().objects.get(username="admin")
with open(path, "rb") as file:
    content = file.read()
started = time.perf_counter()
log = tally_import_check(user=user, file_name=os.path.basename(path), content=content)
checked = time.perf_counter()
if log.status != TallyImport.Status.CHECKED:
    sys.exit(f"{log.status}: {log.errors[:3]}")
log = tally_import_run(log=log)
if log.status != TallyImport.Status.IMPORTED:
    sys.exit(f"{log.status}: {log.errors[:3]}")
# The dry run (preview) and the confirmed import, which checks the file again and writes.
print(f"{checked - started:.3f} {time.perf_counter() - checked:.3f}")
