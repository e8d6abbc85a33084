"""knead's benchmark harness (issue 6): crawl, index build, queries, CLI, beside references.

Run from the repository root (see BENCHMARKS.md)::

    python -m tests.benchmarks.run --sizes 10000 100000

Not collected by the default test run (pyproject's `norecursedirs`);
tests/test_benchmark_harness.py runs it at 1,000 listings so it cannot rot.

Modules: `run` (the command, orchestration), `measure` (timing, peak RSS of a
child process via `os.wait4`, peak memory of its process tree, percentiles),
`corpus` (a generated store of record: every source with realistic overlap,
from `merge_corpus`, or the sample directory alone), `build` (knead's build
as `knead reindex` runs it, merge included), `crawling` (sample site in a
child process, the knead crawl and the bare Scrapy spider, each in its own
process), `bare_spider`, `queries` (the fixed mixed query set, whole country
and `--near`), `cli` (`knead search` as a process, every kind), `importing`
(`knead import nppes` of a full-width bulk file), `fts5` (the first SQLite
FTS5 reference, kept as history), `sqlite_strong` (the strong SQLite
reference: issue 17), `report` (rows, targets, growth, Markdown), `profiles`
(cProfile of a missed target), and the merge benchmark (`merge_bench`,
`merge_corpus`, `merge_quality`, `merge_report`: issue 15).
"""
