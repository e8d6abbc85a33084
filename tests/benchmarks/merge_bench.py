"""The merge at scale (issue 15): time, memory, share of the index build, and quality.

    python -m tests.benchmarks.merge_bench --sizes 100000 500000 [--runs 3] [--commit REV] [--out DIR]

Per size, in a child process of its own (its peak RSS is the merge's and the
build's, nothing of another size): a generated corpus with the overlap real
sources have and its truth (tests/benchmarks/merge_corpus.py), then

- `merge_listings` `--runs` times as a first publish runs it (no previous
  assignment; wall and process CPU seconds, median and spread), once again
  with the first run's assignment as `previous` (every later publish), and
  once with the cyclic garbage collector paused (what pausing it would buy);
- its peak memory: Python's own allocations during one more merge
  (tracemalloc, slower, so not timed) and the child's RSS growth over the
  first merge;
- precision and recall against the truth, recall per hard case, traps merged,
  practice links (tests/benchmarks/merge_quality.py);
- the index build (`build_index`, as `knead reindex` runs it) on the merged
  results in the same process, and the merge's share: merge / build;
- with `--profile`: cProfile of one merge at the smallest size, the functions
  that take the time.

`--commit REV` measures the merge (and the whole `index` package) as
committed at REV: `git archive` of `index/` into a temporary directory put
first on the child's `sys.path` (checked: the child reports the file it
imported); the harness itself runs from the working tree.
Writes `merge-results.md` and `merge-results.json` into `--out` and prints
the Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

from tests.benchmarks.measure import REPO, python_child, summary


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class _RssPeak:
    """The process's RSS sampled every 10 ms on a thread: its highest value over the block, less the
    RSS at the start (ru_maxrss cannot tell: generating the corpus may already have set it higher)."""

    def __init__(self) -> None:
        import threading

        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.start_mb = self.peak_mb = 0.0

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            self.peak_mb = max(self.peak_mb, _rss_mb())

    def __enter__(self) -> Self:
        self.start_mb = self.peak_mb = _rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, _rss_mb())

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.start_mb


def _max_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, *args, **kw):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _hot_spots(stats_path: str, top: int = 15) -> dict:
    """The functions with the most own time, and each index.merge module's share of the total."""
    import pstats

    stats = pstats.Stats(stats_path)
    total = stats.total_tt or 1.0
    rows, modules = [], {}
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        # index/ may be an export of a commit in a temporary directory: name it from index/ on.
        where = filename[filename.rindex("/index/") + 1:] if "/index/" in filename else (
            os.path.relpath(filename, REPO) if filename.startswith(str(REPO)) else filename)
        if "index/merge/" in where:
            module = where[where.index("index/merge/"):]
            modules[module] = modules.get(module, 0.0) + tottime
        rows.append({"function": f"{where}:{name}", "line": line, "calls": calls, "own_s": tottime,
                     "own_share": tottime / total, "cum_s": cumtime, "cum_share": cumtime / total})
    rows.sort(key=lambda r: -r["own_s"])
    return {"total_s": total, "top": rows[:top],
            "modules": {m: {"own_s": s, "own_share": s / total} for m, s in sorted(modules.items(), key=lambda kv: -kv[1])}}


def child(args: argparse.Namespace) -> dict:
    """One size, measured in this process (see the module docstring); returns the figures."""
    import gc
    import tracemalloc

    from index.merge import merge_listings
    from tests.benchmarks.merge_corpus import merge_corpus
    from tests.benchmarks.merge_quality import score

    out: dict = {"size": args.size, "seed": args.seed, "merge_module": sys.modules["index.merge"].__file__}
    corpus, out["generate_s"], _ = _timed(merge_corpus, args.size, args.seed)
    out["sources"] = corpus.counts()
    listings = corpus.listings
    gc.collect()
    seconds, cpu = [], []
    merged = None
    for run in range(args.runs):
        merged = None  # the previous run's results are not part of this run's memory
        gc.collect()
        with _RssPeak() as rss:
            merged, wall, used = _timed(merge_listings, listings)
        seconds.append(wall)
        cpu.append(used)
        if run == 0:
            out["rss_growth_mb"] = rss.growth_mb
    assert merged is not None
    out["merge_s"], out["merge_cpu_s"] = seconds, cpu
    previous = dict(merged.assignment)
    out["quality"] = score(corpus, merged)
    _, out["again_s"], out["again_cpu_s"] = _timed(merge_listings, listings, previous)
    gc.collect()
    gc.disable()
    try:
        _, out["gc_paused_s"], out["gc_paused_cpu_s"] = _timed(merge_listings, listings)
    finally:
        gc.enable()
    if args.profile:
        import cProfile

        path = os.path.join(tempfile.mkdtemp(prefix="knead-merge-prof-"), "merge.prof")
        cProfile.runctx("merge_listings(listings)", {"merge_listings": merge_listings, "listings": listings}, {}, path)
        out["profile"] = _hot_spots(path)
    gc.collect()
    tracemalloc.start()
    held = tracemalloc.get_traced_memory()[0]
    kept = merge_listings(listings)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["traced_peak_mb"], out["traced_kept_mb"] = (peak - held) / 1e6, (current - held) / 1e6
    del kept
    if not args.no_build:
        import resource

        from index.search.generations import build_index

        with tempfile.TemporaryDirectory(prefix="knead-merge-bench-") as root:
            workers = resource.getrusage(resource.RUSAGE_CHILDREN)
            built, out["build_s"], own = _timed(build_index, merged.results, root)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # The build indexes in worker processes: their CPU too, so that merge / build compares work.
            out["build_cpu_s"] = own + (after.ru_utime + after.ru_stime) - (workers.ru_utime + workers.ru_stime)
            out["build_docs"] = built.doc_count
    out["results"] = len(merged.results)
    out["peak_rss_mb"] = _max_rss_mb()
    return out


def _export(commit: str, into: Path) -> str:
    """`index/` as committed at `commit`, unpacked under `into`; returns the full commit id."""
    full = subprocess.run(["git", "rev-parse", commit], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", full, "index"], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return full


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--runs", type=int, default=3, help="timed merges per size (the median is reported)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--commit", help="measure index/ as committed at this revision (default: the working tree)")
    parser.add_argument("--no-build", action="store_true", help="skip the index build on the merged results")
    parser.add_argument("--profile", action="store_true", help="cProfile one merge at the smallest size")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.src:  # before anything imports `index`: the committed version under measurement
            sys.path.insert(0, args.src)
        figures = child(args)
        print(json.dumps(figures))
        return figures

    from tests.benchmarks import merge_report

    args.out.mkdir(parents=True, exist_ok=True)
    command = "python -m tests.benchmarks.merge_bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    results: dict = {"command": command, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="knead-merge-src-") as src:
        source: list[str] = []
        if args.commit:
            results["commit"] = _export(args.commit, Path(src))
            source = ["--src", src]
        else:
            results["commit"] = "working tree at " + subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()
        for n, size in enumerate(sorted(args.sizes)):
            print(f"[{size:,}] corpus, merges, build ...", file=sys.stderr, flush=True)
            extra = ["--no-build"] * args.no_build + ["--profile"] * (args.profile and n == 0)
            run = python_child("tests.benchmarks.merge_bench", "--child", "--size", str(size), "--runs",
                               str(args.runs), "--seed", str(args.seed), *source, *extra)
            figures = run.json()
            if args.commit and not figures["merge_module"].startswith(src):
                raise SystemExit(f"measured {figures['merge_module']}, not the export of {args.commit}")
            figures["child_peak_rss_mb"] = run.peak_rss_mb
            figures["merge"] = summary(figures["merge_s"])
            results["sizes"][str(size)] = figures
            (args.out / "merge-results.json").write_text(json.dumps(results, indent=1))
            print(f"[{size:,}] merge {figures['merge']['median']:.2f} s, precision "
                  f"{figures['quality']['precision']:.4f}, recall {figures['quality']['recall']:.4f}",
                  file=sys.stderr, flush=True)
    table = merge_report.markdown(results)
    (args.out / "merge-results.md").write_text(table, encoding="utf-8")
    print(table)
    return results


if __name__ == "__main__":
    main()
