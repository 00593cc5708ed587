"""python manage.py rundev: the web server, a real Celery worker and beat together, for development.

A worker or beat that dies is started again (after 1 s, then longer if it keeps dying,
core/supervisor.py) while the web server keeps running. Ctrl-C stops all three.
Production runs gunicorn, workers and beat as separate supervised services instead
(deploy/ and README "Production").
"""

import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from core.supervisor import Child, Supervisor
from reviews.demo import DEMO_PASSWORD, DEMO_PEOPLE


def celery(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", *arguments, "--loglevel", "INFO"]


class Command(BaseCommand):
    help = (
        "Run the development web server, a Celery worker and beat until Ctrl-C; restart a worker that dies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port of the web server")

    def handle(self, *args, addr: str, **options):
        broker = (
            "Redis at " + settings.REDIS_URL
            if settings.REDIS_URL
            else "the embedded file broker in var/broker"
        )
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        supervisor = Supervisor(
            [
                Child(
                    "web server",
                    [sys.executable, "manage.py", "runserver", addr, "--noreload"],
                    restart=False,
                ),
                Child(
                    "worker", celery("worker", "--concurrency", "2", "--hostname", f"rundev-{os.getpid()}@%h")
                ),
                Child("beat", celery("beat")),
            ],
            say=self.say,
        )
        # `kill <pid>` of the runner stops the children as Ctrl-C does: they lead their own
        # process groups and would otherwise outlive it.
        signal.signal(signal.SIGTERM, _interrupt)
        supervisor.start_all()
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
                    "Press Ctrl-C to stop the web server, the worker and beat.",
                    "",
                ]
            )
        )
        try:
            while (stopped := supervisor.check()) is None:
                time.sleep(0.5)
            self.stderr.write(f"The {stopped.name} stopped; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            # `make` may send Ctrl-C again: ignore further ones while the children shut down.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            supervisor.stop_all()

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # read line by line when the output is a pipe (a process manager, a test)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
