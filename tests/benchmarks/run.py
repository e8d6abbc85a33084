"""The benchmark command: every figure of issues 6 and 17, beside the references, in one run.

    python -m tests.benchmarks.run --sizes 100000 500000 [--crawl-sizes] [--out DIR] ...

For each size (listings in the store of record): a store (generated with
the overlap real sources have, `--corpus merged`, the default; or the
sample directory alone; or a crawl of it, `--store-from crawl`); knead's
index build as `knead reindex` runs it, merge included (`build`), then the
two reference builds from the results knead's build served, FTS5
(`fts5`, history) and the strong SQLite one (`sqlite_strong`), each in its
own process, `--build-runs` times; the mixed query set in process
(`--rounds`; round 0's totals must agree across the three engines), and
`knead search` as a whole process for every kind (`--cli-runs`). Sizes in
`--crawl-sizes` (default: all) are also crawled, by knead and by a bare
Scrapy spider over the same pages. Once per run, `knead import nppes` of a
full-width bulk file of `--import-rows` rows (`importing`). Writes
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

# The references' modules (each has `build` and `DB_NAME`) -> their name and key in the results.
REFERENCE_BUILDS = {"fts5": ("tests.benchmarks.fts5", "fts5_build"),
                    "strong": ("tests.benchmarks.sqlite_strong", "strong_build")}


def _store(size: int, work: Path, args: argparse.Namespace, log) -> Path:
    """A generated store of record for `size` under `work`/truth; with --reuse-store, a pristine copy
    kept under --out/stores is copied in instead of generating it again."""
    data_dir = work / "truth"
    shutil.rmtree(data_dir, ignore_errors=True)
    kept = args.out / "stores" / f"{args.corpus}-{size}-seed{args.seed}.sqlite3"
    if args.reuse_store and kept.exists():
        log(f"store of record: the kept copy {kept}")
        data_dir.mkdir(parents=True)
        shutil.copyfile(kept, data_dir / "records.sqlite3")
        return data_dir
    log(f"writing the store of record ({args.corpus} corpus) ...")
    python_child("tests.benchmarks.corpus", "--size", str(size), "--data-dir", str(data_dir),
                 "--corpus", args.corpus, "--seed", str(args.seed)).json()
    if args.reuse_store:
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / "records.sqlite3", kept)
    return data_dir


def bench_size(size: int, work: Path, args: argparse.Namespace) -> dict:
    result: dict = {"size": size}
    crawled = work / "crawl"
    log = lambda msg: print(f"[{size:,}] {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)  # noqa: E731
    if size in args.crawl_sizes:
        log("crawling (knead, then bare Scrapy) ...")
        shutil.rmtree(crawled, ignore_errors=True)
        result["crawl"] = crawling.crawl_both(size, crawled, args.concurrency)
        log(f"crawl: {json.dumps(result['crawl'])}")
    if args.store_from == "crawl" and "crawl" in result:
        data_dir, result["store_from"] = crawled, "crawl"
    else:
        data_dir, result["store_from"] = _store(size, work, args, log), args.corpus
    references = tuple(name for name in REFERENCE_BUILDS if name != "fts5" or size <= args.fts5_max_size)
    result["references"] = list(references)
    build = {"seconds": [], "peak_rss_mb": [], "cpu_seconds": [], "peak_tree_mb": [], "index_seconds": []}
    refs = {name: {"seconds": [], "peak_rss_mb": [], "cpu_seconds": []} for name in references}
    for i in range(args.build_runs):
        log(f"index build {i + 1}/{args.build_runs} (knead's rebuild, merge included; then the references "
            f"{', '.join(references)} from the results it served) ...")
        run = python_child("tests.benchmarks.build", "--data-dir", str(data_dir), tree=True)
        out = run.json()
        build["seconds"].append(out["seconds"])
        build["index_seconds"].append(out["index_seconds"])
        build["peak_rss_mb"].append(run.peak_rss_mb)
        build["peak_tree_mb"].append(run.peak_tree_mb)
        build["cpu_seconds"].append(run.cpu_seconds)
        build.update(docs=out["docs"], findable=out["findable"], size_mb=out["size_mb"])
        tree_mb = run.peak_tree_mb
        for name, ref in refs.items():
            run = python_child(REFERENCE_BUILDS[name][0], "build", "--data-dir", str(data_dir))
            ref["seconds"].append(run.json()["seconds"])
            ref["peak_rss_mb"].append(run.peak_rss_mb)
            ref["cpu_seconds"].append(run.cpu_seconds)
            ref["docs"] = run.json()["docs"]
        log(f"build: {out['seconds']:.1f} s ({out['index_seconds']:.1f} s of it build_index), {out['docs']:,} results"
            f" ({out['findable']:,} findable), {out['size_mb']:.1f} MB, peak memory {tree_mb:.0f} MB; "
            + "; ".join(f"{name} {ref['seconds'][-1]:.1f} s, {ref['docs']:,} docs" for name, ref in refs.items()))
    for name, ref in refs.items():
        ref["size_mb"] = (data_dir / importlib.import_module(REFERENCE_BUILDS[name][0]).DB_NAME).stat().st_size / 1e6
        result[REFERENCE_BUILDS[name][1]] = ref
    build["listings"] = _listings(data_dir)
    result["build"] = build
    log(f"queries ({args.rounds} rounds) ...")
    q_args = ["--data-dir", str(data_dir), "--rounds", str(args.rounds), "--references", *references]
    result["queries"] = python_child("tests.benchmarks.queries", *q_args + (["--quick"] if args.quick else [])).json()
    disagree = [t for t in result["queries"]["totals"] if len({t[name] for name in ("knead", *references)}) > 1]
    for t in disagree:
        log(f"TOTALS DISAGREE: {t}")
    result["totals_disagree"] = disagree
    log(f"knead search as a process, every kind ({args.cli_runs} runs each) ...")
    result["cli"] = cli.time_commands(data_dir, args.cli_runs, references, warm=args.cli_warm)
    return result


def _listings(data_dir: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{data_dir / 'records.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute("SELECT COUNT(*) FROM listings").fetchone()[0]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000],
                        help="listings per measured size; none (the bare flag) with --earlier: only the import is"
                             " measured, the earlier run's sizes fill the table")
    parser.add_argument("--crawl-sizes", type=int, nargs="*", default=None,
                        help="sizes to crawl too (default: every size; none: --crawl-sizes with no value)")
    parser.add_argument("--store-from", choices=("crawl", "truth"), default="crawl",
                        help="index the crawled store (when the size was crawled) or a generated one")
    parser.add_argument("--corpus", choices=("merged", "directory"), default="merged",
                        help="the generated store: every source with realistic overlap, or the directory alone")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse-store", action="store_true",
                        help="keep each generated store under OUT/stores and copy it in on later runs")
    parser.add_argument("--build-runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the query set")
    parser.add_argument("--cli-runs", type=int, default=7)
    parser.add_argument("--no-cli-warm", dest="cli_warm", action="store_false",
                        help="no untimed first run of each command")
    parser.add_argument("--fts5-max-size", type=int, default=sys.maxsize,
                        help="the FTS5 history reference only up to this size (the strong one always)")
    parser.add_argument("--import-rows", type=int, default=1_000_000,
                        help="rows of the nppes bulk file to import (0: no import rows)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="one query per kind")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    parser.add_argument("--earlier", type=Path,
                        help="an earlier run's results.json: its sizes (not measured again) join the table and the"
                             " growth rows, marked as that run's")
    args = parser.parse_args(argv)
    if args.crawl_sizes is None:
        args.crawl_sizes = list(args.sizes)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {"command": "python -m tests.benchmarks.run " + shlex.join(argv if argv is not None else sys.argv[1:]),
               "machine": report.machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": {}, "rows": []}
    if args.earlier:
        earlier = json.loads(args.earlier.read_text(encoding="utf-8"))
        results["earlier"] = {"command": earlier["command"], "started": earlier["started"],
                              "loadavg": earlier["machine"]["loadavg"]}
        for size, raw in earlier["sizes"].items():
            if int(size) not in args.sizes:
                results["sizes"][size] = {**raw, "earlier": True}
                # Its sizes' own rows; the growth between sizes is worked out again below, with every size.
                results["rows"] += [r for r in earlier["rows"]
                                    if r["size"] == int(size) and not r["figure"].startswith("growth of")]
    for size in args.sizes:
        raw = bench_size(size, args.out / f"size-{size}", args)
        results["sizes"][str(size)] = raw
        results["rows"] += report.rows_for(size, raw)
        (args.out / "results.json").write_text(json.dumps(results, indent=1))
    results["rows"] += report.growth_rows(results["sizes"])
    if args.import_rows:
        print(f"[import] {time.strftime('%H:%M:%S')} knead import nppes, {args.import_rows:,} rows ...",
              file=sys.stderr, flush=True)
        results["import"] = python_child("tests.benchmarks.importing", "--rows", str(args.import_rows),
                                         "--work", str(args.out / "import")).json()
        results["rows"] += report.import_rows(results["import"])
    results["machine"]["loadavg_end"] = report.machine()["loadavg"]
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    table = report.markdown(results)
    (args.out / "results.md").write_text(table, encoding="utf-8")
    print(table)
    return results


if __name__ == "__main__":
    main()
