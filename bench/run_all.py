"""Run every benchmark and print one table: figure, target, measured, peer.

Usage (from the project root): `make bench`, or `.venv/bin/python bench/run_all.py [NAME ...]`
with NAME among the modules below (without the `bench_` prefix). Peers (R metafor, R survival)
are timed in the same run when Rscript is installed; otherwise their column says so.
Benchmarks print figures; nothing here passes or fails.
"""

import importlib
import os
import platform
import sys
import time
import traceback
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SHARED_DIR", str(ROOT.parent / "shared"))

from table import print_table  # noqa: E402

# In the order of the README's table.
BENCHMARKS = ["recompute", "screening", "import", "prisma", "meta", "cox", "forest"]


def machine() -> str:
    cores = os.cpu_count()
    try:
        memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory_gib = float("nan")
    return f"{platform.machine()}, {cores} cores, {memory_gib:.0f} GiB, Python {platform.python_version()}"


def main(names: list[str]) -> int:
    rows: list[dict] = []
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(f"bench_{name}")
        except ModuleNotFoundError as error:
            if error.name == f"bench_{name}":
                print(f"[{name}] no benchmark script bench/bench_{name}.py yet", file=sys.stderr)
                continue
            raise
        started = time.perf_counter()
        print(f"[{name}] running…", file=sys.stderr, flush=True)
        try:
            rows += module.run()
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            rows.append(
                {"figure": f"{name}: failed (see above)", "target": "", "measured": "error", "peer": ""}
            )
        print(f"[{name}] done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    print(f"\nBenchmarks of {date.today().isoformat()} on {machine()}\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
