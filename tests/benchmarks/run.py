"""The benchmark command: every figure of issue 6, beside its reference, in one run.

    python -m tests.benchmarks.run --sizes 10000 100000 [--crawl-sizes 10000] [--out DIR]

For each size: a store of record (from a crawl of the sample directory, or
from the generator's truth: `--store-from`), knead's index build and the two
reference builds, FTS5 (`fts5`, history) and the strong SQLite one
(`sqlite_strong`), each in its own process, `--build-runs` times; the mixed
query set in process (`--rounds`), and `knead search` as a whole process
(`--cli-runs`). Sizes in `--crawl-sizes` (default: all) are also crawled,
by knead and by a bare Scrapy spider over the same pages. Writes
`results.md` and `results.json` into `--out` and prints the table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

from tests.benchmarks import cli, crawling, report
from tests.benchmarks.measure import python_child

# The references' modules (each has `build` and `DB_NAME`) -> their key in the results.
REFERENCE_BUILDS = {"tests.benchmarks.fts5": "fts5_build", "tests.benchmarks.sqlite_strong": "strong_build"}


def bench_size(size: int, work: Path, args: argparse.Namespace) -> dict:
    result: dict = {"size": size}
    crawled = work / "crawl"
    log = lambda msg: print(f"[{size:,}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    if size in args.crawl_sizes:
        log("crawling (knead, then bare Scrapy) ...")
        shutil.rmtree(crawled, ignore_errors=True)
        result["crawl"] = crawling.crawl_both(size, crawled, args.concurrency)
        log(f"crawl: {json.dumps(result['crawl'])}")
    if args.store_from == "crawl" and "crawl" in result:
        data_dir, result["store_from"] = crawled, "crawl"
    else:
        data_dir, result["store_from"] = work / "truth", "truth"
        shutil.rmtree(data_dir, ignore_errors=True)
        log("writing the store of record from the generator's truth ...")
        python_child("tests.benchmarks.corpus", "--size", str(size), "--data-dir", str(data_dir)).json()
    build = {"seconds": [], "peak_rss_mb": [], "cpu_seconds": []}
    refs = {module: {"seconds": [], "peak_rss_mb": [], "cpu_seconds": []} for module in REFERENCE_BUILDS}
    for i in range(args.build_runs):
        log(f"index build {i + 1}/{args.build_runs} (knead, then the FTS5 and strong SQLite references) ...")
        run = python_child("tests.benchmarks.build", "--data-dir", str(data_dir))
        out = run.json()
        build["seconds"].append(out["seconds"])
        build["peak_rss_mb"].append(run.peak_rss_mb)
        build["cpu_seconds"].append(run.cpu_seconds)
        build.update(docs=out["docs"], size_mb=out["size_mb"])
        for module, ref in refs.items():
            run = python_child(module, "build", "--data-dir", str(data_dir))
            ref["seconds"].append(run.json()["seconds"])
            ref["peak_rss_mb"].append(run.peak_rss_mb)
            ref["cpu_seconds"].append(run.cpu_seconds)
            ref["docs"] = run.json()["docs"]
    for (module, ref), name in zip(refs.items(), REFERENCE_BUILDS.values()):
        ref["size_mb"] = (data_dir / importlib.import_module(module).DB_NAME).stat().st_size / 1e6
        result[name] = ref
    log(f"build: {build['seconds']} s, {build['size_mb']:.1f} MB; "
        + "; ".join(f"{name} {ref['seconds']} s, {ref['size_mb']:.1f} MB" for name, ref in zip(REFERENCE_BUILDS.values(), refs.values())))
    result["build"] = build
    log(f"queries ({args.rounds} rounds) ...")
    q_args = ["--data-dir", str(data_dir), "--rounds", str(args.rounds)] + (["--quick"] if args.quick else [])
    result["queries"] = python_child("tests.benchmarks.queries", *q_args).json()
    log(f"knead search as a process ({args.cli_runs} runs each) ...")
    result["cli"] = cli.time_commands(data_dir, args.cli_runs)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--crawl-sizes", type=int, nargs="*", default=None,
                        help="sizes to crawl too (default: every size; none: --crawl-sizes with no value)")
    parser.add_argument("--store-from", choices=("crawl", "truth"), default="crawl",
                        help="index the crawled store (when the size was crawled) or the generator's truth")
    parser.add_argument("--build-runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the query set")
    parser.add_argument("--cli-runs", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="one query per kind")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    args = parser.parse_args(argv)
    if args.crawl_sizes is None:
        args.crawl_sizes = list(args.sizes)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {"command": "python -m tests.benchmarks.run " + shlex.join(argv if argv is not None else sys.argv[1:]),
               "machine": report.machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": {}, "rows": []}
    for size in args.sizes:
        raw = bench_size(size, args.out / f"size-{size}", args)
        results["sizes"][str(size)] = raw
        results["rows"] += report.rows_for(size, raw)
        (args.out / "results.json").write_text(json.dumps(results, indent=1))
    table = report.markdown(results)
    (args.out / "results.md").write_text(table, encoding="utf-8")
    print(table)
    return results


if __name__ == "__main__":
    main()
