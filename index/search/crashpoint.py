"""Test hook: die by SIGKILL at a named moment of a publish or an index build, as `kill -9` would.

With `KNEAD_TEST_KILL_AT=NAME` in its environment, a process kills itself when
it reaches `crash_point(NAME)`, so a test of what survives a kill lands exactly
in the window it means (the store published but no new generation yet, a
generation renamed into place but not yet served, ...) instead of at a random
moment, most of which fall where nothing is at stake. Outside tests the
variable is unset and a crash point is one environment look-up.

The points (tests/test_refresh.py kills a crawl or a reindex at each):
  publish:store-merged         the staged listings published in the store, the index not rebuilt
  build:generation-written     the new generation's files written in its .tmp directory
  build:generation-renamed     the new generation complete under its final name, CURRENT not swapped
  build:pointer-written        CURRENT.tmp written and synced, not yet renamed over CURRENT
  build:generation-served      CURRENT swapped, older generations not pruned
  publish:generation-served    the new generation served, the merge's assignment not saved
"""

from __future__ import annotations

import os
import signal

ENV = "KNEAD_TEST_KILL_AT"


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
