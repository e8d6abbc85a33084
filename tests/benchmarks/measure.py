"""Timing helpers: a child process's wall time, peak RSS and the peak memory of its process tree,
percentiles, spreads."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ChildRun:
    seconds: float
    cpu_seconds: float  # user + system time of the child (steadier than wall time on a busy machine)
    peak_rss_mb: float  # the child's own maximum resident set (ru_maxrss from wait4)
    returncode: int
    stdout: str
    stderr: str
    # The highest sum, over the samples, of the proportional set size (PSS) of the child and every
    # process under it: what a build with worker processes holds in all (RSS would count the pages
    # forked workers share with their parent once per process). 0 when not sampled.
    peak_tree_mb: float = 0.0

    def json(self) -> dict:
        """The last line of stdout, parsed (the harness's child scripts print one JSON object)."""
        if self.returncode != 0:
            raise RuntimeError(f"child failed ({self.returncode}):\n{self.stderr[-3000:]}")
        return json.loads(self.stdout.strip().splitlines()[-1])


def _descendants(pid: int) -> list[int]:
    """`pid` and every process under it (Linux /proc; threads' children included)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:  # it ended meanwhile
            continue
    return out


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _TreeSampler:
    """Samples the PSS of a process tree on a thread every `every` seconds; `peak_mb` the highest sum."""

    def __init__(self, pid: int, every: float = 0.25):
        import threading

        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self.every):
            self.peak_mb = max(self.peak_mb, sum(_pss_mb(p) for p in _descendants(self.pid)))

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_mb


def run_child(args: Sequence[str], *, env: dict | None = None, timeout: float = 3600, tree: bool = False) -> ChildRun:
    """Run `args` (stdout/stderr to temp files) and report its wall time and peak RSS
    (and, with `tree`, the peak memory of its whole process tree: `ChildRun.peak_tree_mb`).

    `os.wait4` gives the rusage of exactly this child (RUSAGE_CHILDREN would
    mix every child the harness ever waited for).
    """
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=REPO)
        sampler = _TreeSampler(proc.pid) if tree else None
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - started
        peak_tree = sampler.stop() if sampler else 0.0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), peak_tree)


def python_child(module: str, *args: str, **kw) -> ChildRun:
    return run_child([sys.executable, "-m", module, *args], **kw)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks."""
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summary(values: Sequence[float]) -> dict:
    """Median and spread (min, max, and the interquartile range) of repeated measurements."""
    values = list(values)
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "iqr": percentile(values, 75) - percentile(values, 25),
        "n": len(values),
    }


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6
