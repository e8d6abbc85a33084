"""The sample directory served from a child process (`knead sample-site`), for crawls of it.

A child, not a thread: rendering pages in the crawling process would compete
with the crawler for the interpreter lock and halve the crawl's speed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class SampleSiteDidNotStart(RuntimeError):
    pass


@contextmanager
def serve_in_child(size: int, seed: int = 7) -> Iterator[str]:
    """Start the server, yield its base URL ("http://127.0.0.1:PORT"), stop it on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "search_cli", "sample-site", "--size", str(size), "--seed", str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise SampleSiteDidNotStart("the sample directory's server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
