"""Whole-process timings: `knead search` (Python start-up included) and the two reference scripts,
for every kind of the query set (its first query).

Each command runs once untimed (it writes the data directory's ZIP cache on
first `--near`, and warms the OS file cache), then `runs` times; knead, the
FTS5 script (`fts5`, history) and the strong SQLite one (`sqlite_strong`)
take turns run by run so they share the machine's noise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.benchmarks.measure import run_child
from tests.benchmarks.queries import QUERIES

KNEAD = str(Path(sys.executable).with_name("knead"))


def arguments(options: dict) -> list[str]:
    """A query of the harness's set (tests.benchmarks.queries) as `knead search` arguments
    (the reference scripts take the same ones)."""
    args = [options["query"]] if options.get("query") else []
    args += [a for t in options.get("techniques", ()) for a in ("--technique", t)]
    args += [a for i in options.get("insurance", ()) for a in ("--insurance", i)]
    if options.get("accepts_insurance"):
        args.append("--accepts-insurance")
    if "near" in options:
        args += ["--near", options["near"], "--radius", f"{options.get('radius_miles', 25.0):g}"]
    if options.get("state"):
        args += ["--state", options["state"]]
    if options.get("sort"):
        args += ["--sort", options["sort"]]
    return args


# kind -> knead search arguments: the first query of every kind of the query set.
COMMANDS: dict[str, list[str]] = {}
for _kind, _options in QUERIES:
    COMMANDS.setdefault(_kind, arguments(_options))


def _time(args: list[str]) -> tuple[float, float]:
    run = run_child(args)
    if run.returncode != 0:
        raise RuntimeError(f"{args} failed ({run.returncode}): {run.stderr[-2000:]}")
    return run.seconds, run.cpu_seconds


def time_commands(data_dir: Path, runs: int, references: tuple[str, ...] = ("fts5", "strong"),
                  warm: bool = True) -> dict:
    """kind -> engine -> wall seconds of each run (and `<engine>_cpu`: CPU seconds); `warm`: one
    untimed run of each command first."""
    scripts = {"fts5": "tests.benchmarks.fts5", "strong": "tests.benchmarks.sqlite_strong"}
    out = {}
    for kind, args in COMMANDS.items():
        knead = [KNEAD, "--data-dir", str(data_dir), "search", *args, "--format", "json"]
        commands = {"knead": knead}
        for name in references:
            commands[name] = [sys.executable, "-m", scripts[name], "search", "--data-dir", str(data_dir), *args]
        if warm:
            for command in commands.values():
                _time(command)
        times = {key: [] for name in commands for key in (name, f"{name}_cpu")}
        for _ in range(runs):
            for name, command in commands.items():
                wall, cpu = _time(command)
                times[name].append(wall)
                times[f"{name}_cpu"].append(cpu)
        out[kind] = times
    return out
