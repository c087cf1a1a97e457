"""`make bench`: every benchmark in bench/ with its default size (see bench/README.md for the figures and sizes).

    .venv/bin/python -m bench.run_all                    # all of them, in the order below
    .venv/bin/python -m bench.run_all person_import      # only the named ones

Each benchmark runs in its own process (each configures Django for its own database), one after the other,
with the load average printed before and after it: the machine is often shared, and a figure means little
without the load it was measured under.

Adding a benchmark: put `bench/<name>.py` with a `main(argv)` and a `--help` next to the others and add its
name to ORDER (the hook for `bench/payments.py`, issue #5, is already there: it runs as soon as the file
exists). A module in bench/ that is not in ORDER still runs, after the listed ones, so none is forgotten.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = ("person_list", "person_import", "screening", "payments")
NOT_BENCHMARKS = {"__init__", "run_all"}


def benchmarks() -> list[str]:
    """The benchmark modules present, ORDER first, then any other bench/*.py."""
    present = {p.stem for p in BENCH.glob("*.py")} - NOT_BENCHMARKS
    return [name for name in ORDER if name in present] + sorted(present - set(ORDER))


def extra_args(name: str) -> list[str]:
    """Arguments a benchmark needs in this environment (django-import-export is a benchmark-only dependency)."""
    if name == "person_import" and importlib.util.find_spec("import_export") is None:
        print("  django-import-export is not installed (pip install -r bench/requirements.txt): "
              "person_import runs without that column", flush=True)
        return ["--skip-import-export"]
    return []


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> None:
    wanted = list(sys.argv[1:] if argv is None else argv)
    names = benchmarks()
    unknown = [n for n in wanted if n not in names]
    if unknown:
        sys.exit(f"no benchmark {', '.join(unknown)} in bench/ (there are: {', '.join(names)})")
    for name in [n for n in ORDER if n not in names]:
        print(f"(bench/{name}.py is not there yet: skipped)")
    failed = []
    for name in wanted or names:
        print(f"\n=== bench.{name} — {load()}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"bench.{name}", *extra_args(name)], cwd=BENCH.parent, check=False)
        print(f"=== bench.{name}: {time.perf_counter() - started:.0f} s, exit {done.returncode} — {load()}", flush=True)
        if done.returncode:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
