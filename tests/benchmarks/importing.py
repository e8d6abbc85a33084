"""`knead import nppes` of a full-width bulk file, as a user runs it (issue 17).

    python -m tests.benchmarks.importing --rows 1000000 --work DIR

A monthly zip of `rows` rows at full width (all 330 columns,
spiders.sample_site.registry_bulk: what the nppes import tests use; 3% of
the rows massage therapists), written once under DIR and reused while its
row count matches; then, each in a fresh data directory and its own
process: `knead import nppes FILE --no-index` (the import itself: reading,
mapping, staging, publishing to the store), the same on a file a tenth as
long (memory must stay flat as the file grows: compared with it), and
`knead import nppes FILE` as users run it (the import, then the index
rebuilt from what it published). Rows/s over the whole process's wall time
(start-up included), CPU, peak RSS of the largest process and peak memory
of the process tree.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from tests.benchmarks.cli import KNEAD
from tests.benchmarks.measure import run_child


def bulk_file(rows: int, work: Path) -> tuple[Path, float]:
    """The monthly zip of `rows` rows under `work` (written unless there already), and the seconds
    writing it took (0 when reused)."""
    from spiders.sample_site.registry_bulk import write_bulk_zip

    path = work / f"NPPES_Data_Dissemination_November_2026_V2-{rows}.zip"
    marker = path.with_suffix(".rows")
    if path.exists() and marker.exists() and marker.read_text() == str(rows):
        return path, 0.0
    started = time.perf_counter()
    write_bulk_zip(path, rows)
    marker.write_text(str(rows))
    return path, time.perf_counter() - started


def _import(path: Path, data_dir: Path, rows: int, *extra: str) -> dict:
    shutil.rmtree(data_dir, ignore_errors=True)
    run = run_child([KNEAD, "--data-dir", str(data_dir), "import", "nppes", str(path), *extra], tree=True)
    if run.returncode != 0:
        raise RuntimeError(f"knead import nppes {path} failed ({run.returncode}): {run.stderr[-2000:]}")
    shutil.rmtree(data_dir, ignore_errors=True)
    return {"rows": rows, "seconds": run.seconds, "rows_per_s": rows / run.seconds, "cpu_seconds": run.cpu_seconds,
            "peak_rss_mb": run.peak_rss_mb, "peak_tree_mb": run.peak_tree_mb, "output": run.stdout[-1500:]}


def measure(rows: int, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    tenth = max(1, rows // 10)
    big, big_s = bulk_file(rows, work)
    small, _ = bulk_file(tenth, work)
    return {"rows": rows, "write_file_s": big_s, "file_mb": big.stat().st_size / 1e6,
            "no_index": _import(big, work / "data", rows, "--no-index"),
            "no_index_tenth": _import(small, work / "data", tenth, "--no-index"),
            "with_index": _import(big, work / "data", rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    json.dump(measure(args.rows, args.work), sys.stdout)
    print()


if __name__ == "__main__":
    main()
