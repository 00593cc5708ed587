"""The shipped deployment supervises every process: what an operator installs from deploy/."""

import configparser
import shutil
import subprocess

import pytest

from tests.workers import PROJECT_ROOT

UNITS = PROJECT_ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize(
    "name", ["opensynth-web.service", "opensynth-worker@.service", "opensynth-beat.service"]
)
def test_every_long_running_process_is_restarted_whenever_it_exits(name):
    service = unit(name)["Service"]
    assert service["Restart"] == "always" and float(service["RestartSec"]) <= 5
    assert service["EnvironmentFile"] == "/etc/opensynth/env"


def test_workers_and_beat_never_give_up_restarting_and_no_pool_process_outlives_its_worker():
    for name in ("opensynth-worker@.service", "opensynth-beat.service"):
        assert unit(name)["Unit"]["StartLimitIntervalSec"] == "0"
    assert unit("opensynth-worker@.service")["Service"]["KillMode"] == "mixed"


def test_the_health_check_runs_every_minute_and_restarts_the_workers_when_it_fails():
    check = unit("opensynth-healthcheck.service")
    assert "manage.py healthcheck" in check["Service"]["ExecStart"]
    assert check["Unit"]["OnFailure"] == "opensynth-restart-workers.service"
    assert unit("opensynth-healthcheck.timer")["Timer"]["OnUnitInactiveSec"] == "1min"
    assert (
        "restart opensynth-worker@*.service"
        in unit("opensynth-restart-workers.service")["Service"]["ExecStart"]
    )


def test_the_procfile_runs_the_same_three_processes():
    lines = [
        line for line in (PROJECT_ROOT / "deploy" / "Procfile").read_text().splitlines() if line[:1].isalpha()
    ]
    kinds = {line.split(":", 1)[0]: line.split(":", 1)[1] for line in lines}
    assert set(kinds) == {"web", "worker", "beat"}
    assert "gunicorn config.wsgi" in kinds["web"] and "celery -A config worker" in kinds["worker"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed here")
def test_systemd_accepts_the_units():
    names = sorted(str(path) for path in UNITS.iterdir())
    run = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=120)
    # The executables live in the installed checkout (/srv/opensynth/app), not in this one.
    problems = [line for line in run.stderr.splitlines() if line.strip() and "is not executable" not in line]
    assert not problems, problems
