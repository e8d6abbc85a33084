"""An export killed mid-write leaves the old file (or none), never a half-written one.

The export runs in a child process whose writer is patched (in the child only,
no hook in knead itself) to write half of the listings, flush them to the
temporary file, announce it and wait; the test then SIGKILLs the child. A
second test kills unpatched exports at random moments.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Runs `knead export` with the jsonl writer stopping halfway: it writes half the
# rows, flushes them to disk, creates the marker file and sleeps until killed.
CHILD = r"""
import os, sys, time
from search_cli.writers import json_docs
from search_cli.main import cli

marker = sys.argv[1]

def halfway(export, out):
    half = export.results[: len(export.results) // 2]
    for row in half:
        out.write("partial " + row["id"] + "\n")
    out.flush()
    os.fsync(out.fileno())
    open(marker, "w").close()
    time.sleep(600)

json_docs.write_lines = halfway
cli(sys.argv[2:])
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a guard against hanging, not a timing assertion
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the export ended before writing: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the export never reached the middle of its write")
        time.sleep(0.02)


def _kill_halfway(data_root: Path, target: Path, marker: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker), "--data-dir", str(data_root), "export", str(target)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_for(marker, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _temporaries(folder: Path, name: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp"))


def test_killed_mid_write_keeps_the_old_file(corpus, tmp_path):
    data_dir, _ = corpus
    target = tmp_path / "therapists.jsonl"
    target.write_bytes(b"the old export\n")
    _kill_halfway(data_dir.root, target, tmp_path / "halfway")
    assert target.read_bytes() == b"the old export\n"
    # The kill really happened mid-write: the half-written temporary file is there, beside it.
    (partial,) = _temporaries(tmp_path, target.name)
    assert partial.read_text().startswith("partial ")


def test_killed_mid_write_leaves_no_file_when_there_was_none(corpus, tmp_path):
    data_dir, _ = corpus
    target = tmp_path / "therapists.jsonl"
    _kill_halfway(data_dir.root, target, tmp_path / "halfway")
    assert not target.exists()
    assert len(_temporaries(tmp_path, target.name)) == 1  # only the hidden temporary, never the target


def test_killed_at_random_moments(corpus, tmp_path):
    """Unpatched exports killed after a random delay: the target is the old file or the complete new one."""
    data_dir, _ = corpus
    target = tmp_path / "all.jsonl"
    complete = subprocess.run(
        [sys.executable, "-m", "search_cli", "--data-dir", str(data_dir.root), "export", "-", "--format", "jsonl"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout
    assert len(complete.splitlines()) == 400
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "search_cli", "--data-dir", str(data_dir.root), "export", str(tmp_path / "x.jsonl")],
                   cwd=REPO, check=True, capture_output=True)
    duration = time.monotonic() - started  # only to spread the kills over a run, never asserted
    rng = random.Random(4)
    for _ in range(6):
        target.write_bytes(b"old\n")
        proc = subprocess.Popen(
            [sys.executable, "-m", "search_cli", "--data-dir", str(data_dir.root), "export", str(target)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0, duration * 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert target.read_bytes() in (b"old\n", complete)
