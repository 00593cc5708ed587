"""A real Celery worker process for the tests that are about workers.

It runs ``celery -A config worker`` against the same Redis and the same test
database as the test (PostgreSQL, so both processes see committed rows). No
part of the broker or worker is mocked.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from tests.conftest import require_service

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The kernel kills the worker when the test process dies (util-linux's setpriv; essential on Debian).
# A test process that ends without its teardown (killed, crashed, interrupted) would otherwise leave
# a worker on its Redis database, to take the tasks of the next run's tests.
DIE_WITH_THE_TEST_PROCESS = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def postgres_in_use() -> bool:
    return connection.vendor == "postgresql"


def require_worker_services() -> None:
    require_service(postgres_in_use(), "PostgreSQL (DATABASE_URL=postgres://…)")
    require_service(redis_available(), "Redis (REDIS_URL=redis://…)")


def test_database_url() -> str:
    """The URL of the database the tests run in (pytest-django's test_… database)."""
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    """A ``celery worker`` subprocess, started and stopped by the tests."""

    def __init__(self, log_path: Path, concurrency: int = 1):
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "OPENSYNTH_ENV": "test",
        }
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                *DIE_WITH_THE_TEST_PROCESS,
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(self.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"test-worker-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.process.returncode}:\n{self.log()}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not become ready in {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def kill(self) -> None:
        """Kill the worker at once (kill -9 of the main process and its children)."""
        if self.process and self.process.poll() is None:
            subprocess.run(["pkill", "-9", "-P", str(self.process.pid)], check=False)
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()


def wait_for(condition, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    """Poll ``condition()`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
