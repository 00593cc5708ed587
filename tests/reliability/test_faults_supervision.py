"""Supervision: the development runner brings a killed worker back, and the health check tells.

Real processes only: `manage.py rundev` (runserver, a Celery worker, beat) on SQLite and the
embedded file broker in a temporary folder, `kill -9` of its worker, and `manage.py healthcheck`
pinging workers through that broker.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from core.supervisor import BACKOFF_FIRST, Child, Supervisor
from tests.workers import PROJECT_ROOT

# How long a killed worker may stay away: the first restart is after 1 s, a worker is
# ready in a few seconds on a quiet machine; the rest is room for a loaded 2-core CI box.
BACK_WITHIN_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def development_env(data_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENSYNTH_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)  # the embedded file broker in data_dir
    return {**env, "OPENSYNTH_ENV": "test", "OPENSYNTH_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}


def healthcheck(env, timeout=2.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "healthcheck", "--timeout", str(timeout)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Runner:
    """`manage.py rundev` with its output collected line by line."""

    def __init__(self, env, addr):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "rundev", "--addr", addr],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def child(self, word: str) -> int | None:
        """The pid of the runner's child process whose command line holds ``word``."""
        assert self.process.poll() is None, "the runner stopped:\n" + "\n".join(self.lines[-50:])
        listing = subprocess.run(
            ["ps", "-o", "pid=,args=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        found = [int(line.split()[0]) for line in listing.splitlines() if word in line.split()[1:]]
        return found[0] if found else None

    def wait_for_child(self, word: str, timeout: float, other_than: int | None = None) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (pid := self.child(word)) and pid != other_than:
                return pid
            time.sleep(0.1)
        raise AssertionError(f"no {word} process in {timeout} s:\n" + "\n".join(self.lines[-50:]))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def web_answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=10)
    except urllib.error.HTTPError:
        return True  # any answer at all: the server is up
    except OSError:
        return False
    return True


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.mark.services
def test_rundev_restarts_a_killed_worker_while_the_web_server_keeps_running(tmp_path, capsys):
    env = development_env(tmp_path)
    alone = healthcheck(env, timeout=1)
    assert alone.returncode != 0 and "0 answered the ping" in alone.stderr

    addr = f"127.0.0.1:{free_port()}"
    runner = Runner(env, addr)
    try:
        web = runner.wait_for_child("runserver", timeout=30)
        first = runner.wait_for_child("worker", timeout=30)
        wait_until(lambda: healthcheck(env).returncode == 0, 90, "the first worker to answer the ping")
        wait_until(lambda: web_answers(f"http://{addr}/accounts/login/"), 60, "the web server")

        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        second = runner.wait_for_child("worker", timeout=BACK_WITHIN_SECONDS, other_than=first)
        answered = wait_until(
            lambda: (check := healthcheck(env)).returncode == 0 and check,
            BACK_WITHIN_SECONDS,
            "the restarted worker to answer the ping",
        )
        back_after = time.monotonic() - killed_at
        with capsys.disabled():
            print(
                f"\nworker killed with SIGKILL under rundev: a new worker answered the ping after {back_after:.1f} s"
            )
        assert second != first and alive(second) and not alive(first)
        assert "workers answering: 1" in answered.stdout
        assert back_after < BACK_WITHIN_SECONDS
        # The web server was never restarted and still answers.
        assert runner.child("runserver") == web and web_answers(f"http://{addr}/accounts/login/")
        assert any(
            re.match(rf"worker \(pid {first}\) exited with -9; restarting in", line) for line in runner.lines
        )
        beat = runner.child("beat")
    finally:
        runner.stop()
    # Ctrl-C/SIGTERM to the runner stops every child it started, restarted ones included.
    for pid in (web, second, beat):
        wait_until(lambda pid=pid: not alive(pid), 30, f"process {pid} to stop")


def test_a_child_that_keeps_dying_waits_longer_each_time_and_the_web_server_is_not_retried():
    said = []
    crashing = Child("worker", [sys.executable, "-c", "raise SystemExit(3)"])
    web = Child("web server", [sys.executable, "-c", "import time; time.sleep(60)"], restart=False)
    supervisor = Supervisor([crashing, web], say=said.append)
    supervisor.start_all()
    try:
        crashing.process.wait(timeout=30)
        now = time.monotonic()
        assert supervisor.check(now) is None
        assert crashing.restart_at == pytest.approx(now + BACKOFF_FIRST)
        supervisor.check(crashing.restart_at)  # the pause is over: started again
        assert (
            crashing.restarts == 1
            and crashing.process.poll() is None
            or crashing.process.wait(timeout=30) == 3
        )
        crashing.process.wait(timeout=30)
        now = time.monotonic()
        supervisor.check(now)
        assert crashing.restart_at == pytest.approx(now + 2 * BACKOFF_FIRST)  # longer the second time
        assert any("exited with 3; restarting in 1 s" in line for line in said)
        assert any("exited with 3; restarting in 2 s" in line for line in said)

        web.process.kill()
        web.process.wait(timeout=10)
        assert supervisor.check() is web  # the runner stops instead of retrying the web server
    finally:
        supervisor.stop_all(timeout=5)
