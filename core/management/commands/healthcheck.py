"""python manage.py healthcheck: exit 0 when the database answers and at least one worker answers a ping.

For a process manager or a systemd timer (deploy/): a worker that died, or one that is
alive but no longer listens to the broker, makes this fail, so it can be restarted and
someone told. The ping goes through the broker, the way tasks reach workers.
"""

from celery import current_app
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Check the database and that at least --min-workers Celery workers answer a ping; non-zero exit if not."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for workers' answers")
        parser.add_argument("--min-workers", type=int, default=1, help="how many workers must answer")

    def handle(self, *args, timeout: float, min_workers: int, **options):
        problems = []
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            self.stdout.write("database: ok")
        except Exception as error:  # any driver's connection error
            problems.append(f"database: {type(error).__name__}: {error}")
        workers = self._ping_workers(timeout, problems)
        if workers is not None:
            self.stdout.write(
                f"workers answering: {len(workers)}" + "".join(f"\n  {name}" for name in workers)
            )
            if len(workers) < min_workers:
                problems.append(
                    f"workers: {len(workers)} answered the ping within {timeout:g} s, {min_workers} needed"
                )
        if problems:
            raise CommandError("unhealthy: " + "; ".join(problems))
        self.stdout.write("healthy")

    def _ping_workers(self, timeout: float, problems: list[str]) -> list[str] | None:
        app = current_app  # the project's Celery app, loaded with Django (config/__init__.py)
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1)
                replies = app.control.ping(timeout=timeout, connection=conn)
        except Exception as error:  # kombu raises the transport's own errors
            problems.append(f"broker: {type(error).__name__}: {error}")
            return None
        return sorted(name for reply in replies for name in reply)
