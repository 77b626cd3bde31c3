"""Large imports run on a worker (in-process without a broker)."""

from celery import shared_task

from sites.models import TallyImport
from sites.services import imports, receipts


@shared_task(acks_late=True, ignore_result=True)
def tally_import_run(import_id: int) -> None:
    """Run a confirmed import; a second delivery finds it no longer queued and stops."""
    log = TallyImport.objects.select_related("user").get(pk=import_id)
    imports.tally_import_run(log=log)


@shared_task(ignore_result=True)
def tally_imports_expire() -> None:
    """Beat, hourly: delete the checked files left unconfirmed for a day, and the entry
    grid's save receipts past their month (the same hourly clean-up)."""
    imports.tally_imports_expire()
    receipts.save_receipts_purge()


@shared_task(ignore_result=True)
def tally_imports_send_queued() -> None:
    """Every few minutes: send the queued imports whose job never reached a worker."""
    imports.tally_imports_send_queued()
