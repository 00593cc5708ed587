"""Background work of the reviews app: thin tasks that take ids and call a service.

Imports run one way: the services that queue these tasks import this module, and this module
imports only the services its tasks call (reviews.services.import_jobs queues nothing).
"""

from celery import shared_task

from core.queueing import publish_now
from reviews.services.import_jobs import import_files_sweep, import_run, imports_restart_stalled


@shared_task(name="reviews.run_import")
def run_import(import_id: int) -> None:
    """Read an uploaded reference file into its review (returns quietly if the import is gone or done)."""
    import_run(import_id=import_id)


@shared_task(name="reviews.requeue_stalled_imports")
def requeue_stalled_imports() -> None:
    """Periodic sweep (celery beat): give the imports whose worker stopped or whose task was lost a new task."""
    # The service has committed the restarts, so publishing here is publishing on commit; a
    # publish that fails leaves the import queued, and the next sweep tries again.
    for import_id in imports_restart_stalled():
        publish_now(run_import, import_id)


@shared_task(name="reviews.sweep_import_files")
def sweep_import_files() -> None:
    """Periodic sweep (celery beat): delete stored uploads past their time and stale upload temp files."""
    import_files_sweep()
