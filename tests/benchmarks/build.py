"""Build knead's index from a store of record, in its own process (for its peak RSS).

    python -m tests.benchmarks.build --data-dir DIR

Exactly what `knead reindex` does. Prints one JSON line: documents, seconds
(as `build_index` reports them: reading the store, cleaning, indexing,
sidecars, fsync and publication) and the generation's size on disk.
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    from index.records.datadir import DataDir
    from index.records.store import RecordStore
    from index.search.generations import build_index
    from tests.benchmarks.measure import dir_size_mb

    data_dir = DataDir.resolve(args.data_dir)
    with RecordStore(data_dir.records_path) as store:
        result = build_index(store.listings(), data_dir.index_root)
    print(json.dumps({"docs": result.doc_count, "seconds": result.seconds, "size_mb": dir_size_mb(result.path)}))


if __name__ == "__main__":
    main()
