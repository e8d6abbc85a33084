"""A bulk file's rows read in a second process, so that reading and mapping share two cores.

Reading a monthly file (inflating ~1.2 GB of CSV, testing each line, parsing
the few that may be massage therapists: `BulkFile.rows()`) takes about as
long as mapping, normalising and staging what it finds, and both are
single-threaded Python. `child_rows` runs the reading in a child process that
opens the same file and sends the parsed rows in batches; the importer maps
them as they arrive. The rows, their order and the counts (`ReadCounts`,
kept current for the progress display) are those `BulkFile.rows()` gives in
process; a file found damaged raises the same `BulkFileError` here.

Only worth its start-up (a new interpreter, ~0.3 s) for a large file:
`worth_a_child` says when. The child is started with `spawn`, never `fork`:
the importer may have a progress thread running.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from dataclasses import astuple

from spiders.bulk.nppes import BulkFile, BulkFileError, ReadCounts, open_bulk

BATCH = 1_000  # rows a message
CHILD_FROM_BYTES = 64 << 20  # uncompressed size from which reading moves to a child


def worth_a_child(bulk: BulkFile) -> bool:
    return bulk.size is not None and bulk.size >= CHILD_FROM_BYTES


def child_rows(bulk: BulkFile) -> Iterator[list[str]]:
    """`bulk.rows()`, read by a child process; `bulk.counts` follows the child's."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_read, args=(str(bulk.path), bulk.kind, send), name="knead-bulk-reader",
                            daemon=True)
    child.start()
    send.close()  # the child's end: our copy closed, so a dead child is an EOF here
    try:
        while True:
            try:
                kind, payload, counts = receive.recv()
            except EOFError:
                raise BulkFileError(f"{bulk.path}: the process reading it stopped unexpectedly "
                                    f"(exit code {child.exitcode}); run the import again.") from None
            _copy_counts(counts, bulk.counts)
            if kind == "rows":
                yield from payload
            elif kind == "error":
                raise BulkFileError(payload)
            else:
                return
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _copy_counts(values: tuple, counts: ReadCounts) -> None:
    counts.rows, counts.bytes, counts.malformed, counts.replaced = values


def _read(path: str, kind: str, send) -> None:
    """The child: every row `BulkFile.rows()` gives, BATCH at a time, each message with the counts so far."""
    counts = ReadCounts()
    try:
        with open_bulk(path, kind) as bulk:
            counts = bulk.counts
            batch: list[list[str]] = []
            for row in bulk.rows():
                batch.append(row)
                if len(batch) == BATCH:
                    send.send(("rows", batch, astuple(counts)))
                    batch = []
            send.send(("rows", batch, astuple(counts)))
            send.send(("end", None, astuple(counts)))
    except BulkFileError as exc:
        send.send(("error", str(exc), astuple(counts)))
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # the importer was interrupted too, or stopped reading: nothing to say
    finally:
        send.close()
