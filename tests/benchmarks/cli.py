"""Whole-process timings: `knead search` (Python start-up included) and the FTS5 script.

Each command runs once untimed (it writes the data directory's ZIP cache on
first `--near`, and warms the OS file cache), then `runs` times; the two
engines alternate run by run so they share the machine's noise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.benchmarks.measure import run_child

KNEAD = str(Path(sys.executable).with_name("knead"))

# kind -> knead search arguments (the FTS5 script takes the same ones).
COMMANDS: dict[str, list[str]] = {
    "text": ["low back pain"],
    "filter": ["--technique", "deep-tissue", "--insurance", "aetna"],
    "near": ["--near", "06103", "--radius", "25"],
}


def _time(args: list[str]) -> tuple[float, float]:
    run = run_child(args)
    if run.returncode != 0:
        raise RuntimeError(f"{args} failed ({run.returncode}): {run.stderr[-2000:]}")
    return run.seconds, run.cpu_seconds


def time_commands(data_dir: Path, runs: int) -> dict:
    out = {}
    for kind, args in COMMANDS.items():
        knead = [KNEAD, "--data-dir", str(data_dir), "search", *args, "--format", "json"]
        ref = [sys.executable, "-m", "tests.benchmarks.fts5", "search", "--data-dir", str(data_dir), *args]
        _time(knead), _time(ref)
        times = {"knead": [], "fts5": [], "knead_cpu": [], "fts5_cpu": []}
        for _ in range(runs):
            for name, args in (("knead", knead), ("fts5", ref)):
                wall, cpu = _time(args)
                times[name].append(wall)
                times[f"{name}_cpu"].append(cpu)
        out[kind] = times
    return out
