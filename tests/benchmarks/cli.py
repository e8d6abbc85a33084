"""Whole-process timings: `knead search` (Python start-up included) and the two reference scripts.

Each command runs once untimed (it writes the data directory's ZIP cache on
first `--near`, and warms the OS file cache), then `runs` times; knead, the
FTS5 script (`fts5`, history) and the strong SQLite one (`sqlite_strong`)
take turns run by run so they share the machine's noise.
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
        commands = {"knead": knead}
        for name, module in (("fts5", "tests.benchmarks.fts5"), ("strong", "tests.benchmarks.sqlite_strong")):
            commands[name] = [sys.executable, "-m", module, "search", "--data-dir", str(data_dir), *args]
        for command in commands.values():
            _time(command)
        times = {key: [] for name in commands for key in (name, f"{name}_cpu")}
        for _ in range(runs):
            for name, args in commands.items():
                wall, cpu = _time(args)
                times[name].append(wall)
                times[f"{name}_cpu"].append(cpu)
        out[kind] = times
    return out
