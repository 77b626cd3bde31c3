"""Large imports run on a worker (in-process without a broker)."""

from celery import shared_task

from sites.imports import tally_import_run, tally_imports_send_queued
from sites.models import TallyImport


@shared_task(acks_late=True, ignore_result=True)
def import_tallies(import_id: int) -> None:
    """Run a confirmed import; a second delivery finds it no longer queued and stops."""
    log = TallyImport.objects.select_related("user").get(pk=import_id)
    tally_import_run(log=log)


@shared_task(ignore_result=True)
def send_queued_imports() -> None:
    """Every few minutes: send the queued imports whose job never reached a worker."""
    tally_imports_send_queued()
