"""Run the installed `knead` command in a subprocess, as a user would (helper for tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KNEAD = str(Path(sys.executable).with_name("knead"))


def knead_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "KNEAD_DATA_DIR"}


def run_knead(*args: str, data_dir: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KNEAD, "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=timeout, env=knead_env(), stdin=subprocess.DEVNULL,
    )


def start_knead(*args: str, data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [KNEAD, "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=knead_env(), stdin=subprocess.DEVNULL,
    )


def search_ids(data_dir: Path, *args: str) -> list[str]:
    """The ids `knead search --all` returns, in order (fails the test on a non-zero exit)."""
    result = run_knead("search", "--all", "--format", "json", *args, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)["results"]]
