"""Background work of the reviews app: thin tasks that take ids and call a service."""

from celery import shared_task

from reviews import services


@shared_task(name="reviews.run_import")
def run_import(import_id: int) -> None:
    """Read an uploaded reference file into its review (returns quietly if the import is gone or done)."""
    services.import_run(import_id=import_id)


@shared_task(name="reviews.requeue_stalled_imports")
def requeue_stalled_imports() -> None:
    """Periodic sweep (celery beat): give lost import jobs a new task."""
    services.imports_requeue_stalled()
