"""The sample directory served from a child process (`knead sample-site`), for crawls of it.

A child, not a thread: rendering pages in the crawling process would compete
with the crawler for the interpreter lock and halve the crawl's speed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class SampleSiteDidNotStart(RuntimeError):
    pass


# The sample directory's usual address. Listing URLs and HTTP-cache keys hold
# the port: on a fixed one, a recrawl revalidates its cached pages (304) and
# the stored links work whenever the sample directory is served again
# (`knead sample-site --port 8470`). Another port is used only when this one is
# busy. `KNEAD_SAMPLE_SITE_PORT` sets another (tests, or a machine where 8470 is taken).
DEFAULT_PORT = 8470
PORT_ENV = "KNEAD_SAMPLE_SITE_PORT"


def default_port() -> int:
    value = os.environ.get(PORT_ENV, "")
    return int(value) if value.isdigit() else DEFAULT_PORT


@contextmanager
def serve_in_child(size: int, seed: int = 7, port: int | None = None) -> Iterator[str]:
    """Start the server on `port` (default: `default_port()`; any free port if it is busy),
    yield its base URL ("http://127.0.0.1:PORT"), stop it on exit."""
    port = default_port() if port is None else port
    proc = None
    try:
        for attempt in ([port, 0] if port else [0]):
            proc = subprocess.Popen(
                [sys.executable, "-m", "search_cli", "sample-site", "--size", str(size), "--seed", str(seed),
                 "--port", str(attempt)],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
            )
            url = proc.stdout.readline().strip()
            if url.startswith("http://"):
                break
            _stop(proc)  # the port was taken: try any free one
        else:
            raise SampleSiteDidNotStart("the sample directory's server did not start")
        yield url
    finally:
        if proc is not None:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
