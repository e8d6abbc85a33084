"""One crawl at a time per data directory, with a lock that dies with its process.

`flock` on `crawl.lock` is released by the kernel when the holder exits, even
by `kill -9`, so a killed crawl never blocks the next one; the holder's pid is
written into the file so the second crawl can say who is running.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class CrawlRunning(Exception):
    def __init__(self, pid: int | None):
        self.pid = pid
        super().__init__(f"A crawl is already running (pid {pid if pid else 'unknown'}).")


class CrawlLock:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._fh = None

    def __enter__(self) -> CrawlLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="ascii")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            text = fh.read().strip()
            fh.close()
            raise CrawlRunning(int(text) if text.isdigit() else None) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.close()  # closing releases the flock
            self._fh = None
