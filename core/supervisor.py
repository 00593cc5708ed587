"""Keep a few child processes running: restart one that dies, with a growing pause between tries.

Used by ``manage.py rundev``. Production leaves this to systemd or a process manager
(``deploy/``); in development a Celery worker that died (for example after a broker
outage: README, "Reliability") would otherwise leave every analysis waiting
with nobody to compute it, while the web server kept answering as if all were well.

No Django here: it starts commands and watches them.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

# A child that ran this long before dying is restarted after the shortest pause again;
# one that dies at once each time waits longer and longer, up to BACKOFF_MAX.
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 10.0


@dataclass
class Child:
    name: str
    command: list[str]
    # False for the web server: a web server that cannot start (port taken) should stop
    # the runner with its message, not retry forever behind it.
    restart: bool = True
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: float = BACKOFF_FIRST
    restarts: int = 0
    # Where its output goes (an open file); None: the runner's own terminal.
    output: object = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class Supervisor:
    def __init__(
        self, children: list[Child], *, say: Callable[[str], None], env: dict | None = None, cwd=None
    ):
        self.children = children
        self.say = say
        self.env = env
        self.cwd = cwd

    def start(self, child: Child) -> None:
        # Each child leads its own process group, so the pool processes a killed worker leaves
        # behind can be stopped with it, and Ctrl-C in the terminal reaches only this runner,
        # which then stops every child in order.
        child.process = subprocess.Popen(
            child.command,
            env=self.env,
            cwd=self.cwd,
            stdout=child.output,
            stderr=subprocess.STDOUT if child.output else None,
            start_new_session=True,
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        self.say(f"{child.name} started (pid {child.process.pid})")

    def start_all(self) -> None:
        for child in self.children:
            self.start(child)

    def check(self, now: float | None = None) -> Child | None:
        """Look at every child once; restart the dead ones when their pause is over.

        Returns a child that died and is not restarted (the runner then stops), else None.
        """
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self.start(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            _kill_group(child.process.pid, signal.SIGKILL)  # its orphaned pool processes
            if not child.restart:
                return child
            if now - child.started_at >= STABLE_AFTER:
                child.backoff = BACKOFF_FIRST
            child.restart_at = now + child.backoff
            self.say(
                f"{child.name} (pid {child.process.pid}) exited with {code}; restarting in {child.backoff:.0f} s"
            )
            child.backoff = min(child.backoff * 2, BACKOFF_MAX)
        return None

    def stop_all(self, timeout: float = 15) -> None:
        for child in self.children:
            if child.process and child.process.poll() is None:
                # The leader only: a Celery worker then stops its own pool processes in order.
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            if not child.process:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(child.process.pid, signal.SIGKILL)


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
