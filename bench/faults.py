"""The fault proofs at full length: 20 kills of a worker mid-recompute and 20 Redis outages of 30 s.

Runs tests/reliability/test_faults.py with OPENSYNTH_FAULT_ROUNDS / OPENSYNTH_FAULT_OUTAGE_SECONDS
(CI runs the same tests with 2 rounds of 10 s) and prints the figures each test prints: faults
injected, saves attempted/kept, lost writes, analyses stale after recovery, the longest time
until every analysis was current, and how many workers died and were restarted.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL (only to pass the services check: every test
starts a redis-server of its own). Usage:
    .venv/bin/python bench/faults.py [--rounds 20] [--outage 30] [--pool prefork|threads|solo] [-k redis]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--outage", type=int, default=30, help="seconds Redis stays down each round")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("-k", default="", help="only the tests whose name matches (pytest -k)")
    arguments = parser.parse_args()
    env = {
        **os.environ,
        "OPENSYNTH_ENV": "test",
        "OPENSYNTH_REQUIRE_SERVICES": "1",
        "OPENSYNTH_FAULT_ROUNDS": str(arguments.rounds),
        "OPENSYNTH_FAULT_OUTAGE_SECONDS": str(arguments.outage),
        "OPENSYNTH_FAULT_WORKER_POOL": arguments.pool,
    }
    env.setdefault("OPENSYNTH_DATA_DIR", tempfile.mkdtemp(prefix="opensynth-faults-"))
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        "--timeout", "0", "tests/reliability/test_faults.py",
    ]  # fmt: skip
    if arguments.k:
        command += ["-k", arguments.k]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
