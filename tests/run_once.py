"""Build a read-only fixture once per test run, even when pytest-xdist spreads the tests over workers (helper).

Session- and module-scoped fixtures are built once per worker process; a thing
that is slow to build and only read afterwards (the bundled samples' crawl, the
ZIP table's cache) is built here once for the whole run instead: the first
worker to ask builds it under a file lock in the run's shared temporary
directory (the parent of the workers' own, as pytest-xdist documents), the
others wait for it and reuse it. A test that writes works on a copy.

    path = run_once.once("bundled-300", lambda directory: crawl_into(directory))
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

ROOT: Path | None = None  # the run's shared temporary directory (set by conftest.py at session start)


def run_root(tmp_path_factory) -> Path:
    """The temporary directory every worker of this run shares (pytest's own one without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(name: str, build: Callable[[Path], object]) -> Path:
    """The directory `name`, filled by `build(directory)` the first time any worker asks.

    A build that raises leaves nothing behind: the next caller builds again (and fails the same way).
    """
    if ROOT is None:
        raise RuntimeError("run_once.ROOT is set by tests/conftest.py's session fixture")
    target, done = ROOT / name, ROOT / f"{name}.done"
    with FileLock(str(ROOT / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            try:
                build(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            done.touch()
    return target
