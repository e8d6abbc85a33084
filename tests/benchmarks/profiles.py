"""Where the time of a missed target goes: cProfile of knead's own code on a harness data directory.

    python -m tests.benchmarks.profiles queries --data-dir DIR [--kinds text "text near"] [--rounds 5]
    python -m tests.benchmarks.profiles build --data-dir DIR
    python -m tests.benchmarks.profiles search --data-dir DIR -- 'low back pain' --near 06103

`queries`: every query of those kinds of the harness's set (tests.benchmarks.queries),
`--rounds` times after one warm round, through `index.search.engine.search` as the
harness times it. `build`: one `knead reindex` (index.records.publish.rebuild_index):
this process only, so the merge and the first part of the indexing; the other
writing processes are not profiled. `search`: one `knead search` in process
(click's `main`, imports included: what a whole `knead search` spends).
Prints JSON: the functions with the most own time (tests.benchmarks.merge_bench's
table), total seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import sys
import tempfile


def _profile(fn) -> dict:
    from tests.benchmarks.merge_bench import _hot_spots

    path = os.path.join(tempfile.mkdtemp(prefix="knead-prof-"), "run.prof")
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        fn()
    finally:
        profiler.disable()
        profiler.dump_stats(path)
    return _hot_spots(path, top=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("queries", "build", "search"))
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--kinds", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    args.args = argv[cut + 1:]  # search: the `knead search` arguments
    from index.records.datadir import DataDir  # noqa: I001 (the search profile imports the rest itself)

    root = DataDir.resolve(args.data_dir)
    if args.what == "queries":
        from index.search.engine import search
        from tests.benchmarks.queries import QUERIES, prepare

        requests = [prepare(options, root)[0] for kind, options in QUERIES if not args.kinds or kind in args.kinds]
        for request in requests:  # warm: the OS cache and the generation's first reads
            search(root.index_root, request)
        out = _profile(lambda: [search(root.index_root, r) for _ in range(args.rounds) for r in requests])
        out["searches"] = len(requests) * args.rounds
    elif args.what == "build":
        from index.records.publish import rebuild_index

        out = _profile(lambda: rebuild_index(root))
    else:
        import contextlib
        import io

        def run() -> None:
            from search_cli.main import cli  # in the profile: a whole `knead search` imports it

            with contextlib.redirect_stdout(io.StringIO()):
                cli.main(["--data-dir", str(root.root), "search", *args.args, "--format", "json"],
                         standalone_mode=False)

        out = _profile(run)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
