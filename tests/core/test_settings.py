"""Settings come from the environment through one strict helper; production passes Django's deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent.parent


def run_manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OPENSYNTH_") and k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("raw,expected", [("1", True), ("yes", True), ("off", False), ("FALSE", False)])
def test_bool_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("OPENSYNTH_TEST_FLAG", raw)
    assert env.env_bool("OPENSYNTH_TEST_FLAG", False) is expected


def test_malformed_values_are_refused(monkeypatch):
    monkeypatch.setenv("OPENSYNTH_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="OPENSYNTH_TEST_FLAG='maybe' is malformed"):
        env.env_bool("OPENSYNTH_TEST_FLAG", False)
    monkeypatch.setenv("OPENSYNTH_TEST_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="malformed"):
        env.env_int("OPENSYNTH_TEST_NUMBER", 1)
    monkeypatch.setenv("OPENSYNTH_TEST_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("OPENSYNTH_TEST_NUMBER", 1, minimum=1)


def test_required_value_missing(monkeypatch):
    monkeypatch.delenv("OPENSYNTH_TEST_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="OPENSYNTH_TEST_REQUIRED is required"):
        env.env_str("OPENSYNTH_TEST_REQUIRED")


def test_misspelled_variable_stops_start_up(tmp_path):
    result = run_manage("check", OPENSYNTH_DATA_DIR=str(tmp_path), OPENSYNTH_DEBGU="1")
    assert result.returncode != 0
    assert "Unknown environment variable(s) OPENSYNTH_DEBGU" in result.stderr


def test_production_requires_a_secret_key(tmp_path):
    result = run_manage("check", OPENSYNTH_ENV="production", OPENSYNTH_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "OPENSYNTH_SECRET_KEY is required" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        OPENSYNTH_ENV="production",
        OPENSYNTH_SECRET_KEY=secrets.token_urlsafe(50),
        OPENSYNTH_ALLOWED_HOSTS="review.example.org",
        OPENSYNTH_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://opensynth@db.example.org:5432/opensynth",
        REDIS_URL="redis://redis.example.org:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_key_is_made_once_and_kept_out_of_the_repo(tmp_path):
    assert run_manage("check", OPENSYNTH_DATA_DIR=str(tmp_path)).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert run_manage("check", OPENSYNTH_DATA_DIR=str(tmp_path)).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
