"""Atomic file replacement: a reader (or a crash) sees the old file or the complete new one.

The text goes to a temporary file beside the target (same folder, so the same
file system), which is flushed and fsynced, then renamed over the target with
`os.replace` (atomic on POSIX and Windows), and the folder is fsynced so the
rename survives a power cut. Any exception, KeyboardInterrupt included,
removes the temporary file. A SIGKILL cannot be caught: it leaves the target
untouched and at most a hidden `.<name>.*.tmp` beside it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def atomic_text_file(path: str | os.PathLike[str], encoding: str = "utf-8") -> Iterator[TextIO]:
    """Yield a text stream (no newline translation) that replaces `path` when the block ends."""
    path = Path(path)
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "w", encoding=encoding, newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _mode_for(path: Path) -> int:
    """The existing file's permissions, else what a plain `open` would give (0666 less umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows: folders cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
