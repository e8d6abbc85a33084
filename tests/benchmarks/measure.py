"""Timing helpers: a child process's wall time and peak RSS, percentiles, spreads."""

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

    def json(self) -> dict:
        """The last line of stdout, parsed (the harness's child scripts print one JSON object)."""
        if self.returncode != 0:
            raise RuntimeError(f"child failed ({self.returncode}):\n{self.stderr[-3000:]}")
        return json.loads(self.stdout.strip().splitlines()[-1])


def run_child(args: Sequence[str], *, env: dict | None = None, timeout: float = 3600) -> ChildRun:
    """Run `args` (stdout/stderr to temp files) and report its wall time and peak RSS.

    `os.wait4` gives the rusage of exactly this child (RUSAGE_CHILDREN would
    mix every child the harness ever waited for).
    """
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=REPO)
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
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


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
