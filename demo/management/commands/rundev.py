"""python manage.py rundev: the web server and a real Celery worker together, for development.

Ctrl-C stops both. Production runs gunicorn, workers and beat as separate
services instead (see README.md).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from reviews.demo import DEMO_PASSWORD, DEMO_PEOPLE


class Command(BaseCommand):
    help = "Run the development web server and a Celery worker (with beat) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port of the web server")

    def handle(self, *args, addr: str, **options):
        python = sys.executable
        broker = (
            "Redis at " + settings.REDIS_URL
            if settings.REDIS_URL
            else "the embedded file broker in var/broker"
        )
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        processes = [
            subprocess.Popen([python, "manage.py", "runserver", addr, "--noreload"]),
            # -B runs the periodic scheduler (beat) inside this one development worker.
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-B",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                ]
            ),
        ]
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"OpenSynth is running at http://{addr}/  (database: {database}; broker: {broker})",
                    "Sign in with one of the demo logins:",
                    *[
                        f"  {username} / {DEMO_PASSWORD}  ({role.label.lower()})"
                        for username, _, _, role in DEMO_PEOPLE
                    ],
                    "Press Ctrl-C to stop the web server and the worker.",
                    "",
                ]
            )
        )
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
            self.stderr.write("A process stopped; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            # The terminal sends Ctrl-C to every process of the group, and `make`
            # may send it again: ignore further ones while the children shut down.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
