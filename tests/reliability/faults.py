"""Fault injection for the tests under tests/reliability/test_faults*.py and bench/faults.py.

Each test starts its own redis-server (and, for PostgreSQL restarts, its own throwaway
cluster) on a free port in a temporary folder, so it can kill -9 them and start them again
with their data without touching the machine's services or another test running in parallel.
Workers and beat are real processes kept running by the project's own supervisor
(core/supervisor.py), as `manage.py rundev` keeps them, and as systemd does in production.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

from core.supervisor import Child, Supervisor
from tests.workers import PROJECT_ROOT, test_database_url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server whose data survives kill -9 (append-only file, fsync on every write)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--protected-mode", "no", "--logfile", str(self.folder / "redis.log"),
            ],
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    stop = kill


def point_celery_at(url: str) -> None:
    """Make this process publish to ``url`` (the app caches its connection pools)."""
    from config.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def celery_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", *arguments, "--loglevel", "INFO"]


class Workers:
    """A Celery worker (prefork with 2 processes unless told) and beat on ``redis_url`` and the test database, supervised.

    ``sweep_seconds`` and ``stall_seconds`` shorten the periodic sweep so a short CI run sees
    the catch-up that production's defaults (30 s, 60 s) give within about 90 s.
    """

    def __init__(
        self,
        folder: Path,
        redis_url: str,
        *,
        pool="prefork",
        sweep_seconds=3,
        stall_seconds=10,
        task_delay_ms=0,
    ):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": redis_url,
            "OPENSYNTH_ENV": "test",
            "OPENSYNTH_DATA_DIR": str(folder),  # beat's schedule file: one per test
            "OPENSYNTH_RECOMPUTE_SWEEP_SECONDS": str(sweep_seconds),
            "OPENSYNTH_RECOMPUTE_STALL_SECONDS": str(stall_seconds),
            "OPENSYNTH_TEST_TASK_DELAY_MS": str(task_delay_ms),
        }
        name = f"fault-worker-{os.getpid()}-{time.monotonic_ns()}@%h"
        self.worker = Child(
            "worker",
            celery_command(
                "worker",
                "--pool",
                pool,
                "--concurrency",
                "1" if pool == "solo" else "2",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                name,
            ),
        )
        self.beat = Child("beat", celery_command("beat"))
        self.log: list[str] = []
        self.supervisor = Supervisor([self.worker, self.beat], say=self._say, env=self.env, cwd=PROJECT_ROOT)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _say(self, line: str) -> None:
        self.log.append(f"{time.strftime('%H:%M:%S')} {line}")

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.supervisor.check()
            time.sleep(0.2)

    def start(self) -> "Workers":
        for child in (self.worker, self.beat):
            child.output = open(self.folder / f"{child.name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.supervisor.start_all()
        self._thread.start()
        return self

    def kill_worker(self) -> None:
        """kill -9 of the worker's main process and its pool processes."""
        try:
            os.killpg(self.worker.process.pid, 9)
        except ProcessLookupError:
            pass

    def deaths(self) -> int:
        return self.worker.restarts

    def worker_log(self) -> str:
        return (self.folder / "worker.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.supervisor.stop_all(timeout=20)
        for child in (self.worker, self.beat):
            if child.output:
                child.output.close()


def workers_answering(timeout: float = 2.0) -> list[str]:
    from config.celery import app

    try:
        return sorted(name for reply in app.control.ping(timeout=timeout) for name in reply)
    except Exception:  # the broker is down
        return []


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a free port in a temporary folder, so it can be restarted.

    The machine's own PostgreSQL service is never touched. initdb and the server refuse to run
    as root, so as root they run as the ``postgres`` user.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.data = folder / "data"
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        self.bin = bins[-1] if bins else None

    @property
    def available(self) -> bool:
        return self.bin is not None and (self.bin / "initdb").exists()

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def create(self) -> "PostgresCluster":
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )
        return self.start()

    def start(self) -> "PostgresCluster":
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )
        return self

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"
