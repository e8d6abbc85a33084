"""Build knead's index from a store of record, in its own process (for its memory).

    python -m tests.benchmarks.build --data-dir DIR

Exactly what `knead reindex` runs (index.records.publish.rebuild_index):
every published listing read from the store, merged across sources
(index.merge), the merged results indexed into a new generation and served,
the assignment saved. Prints one JSON line: documents (merged results),
seconds of the whole rebuild, seconds of its index build alone
(`build_index`'s own figure: cleaning, indexing, sidecars, fsync,
publication; the rest is reading the store, the merge and saving the
assignment), and the generation's size on disk.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    from index.records.datadir import DataDir
    from index.records.publish import rebuild_index
    from tests.benchmarks.measure import dir_size_mb

    started = time.perf_counter()
    result = rebuild_index(DataDir.resolve(args.data_dir))
    seconds = time.perf_counter() - started
    print(json.dumps({"docs": result.doc_count, "findable": result.findable, "seconds": seconds,
                      "index_seconds": result.seconds, "size_mb": dir_size_mb(result.path)}))


if __name__ == "__main__":
    main()
