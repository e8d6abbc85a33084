"""What `knead crawl` tells its user: live progress on a terminal, unreachable hosts, the summary.

Every crawl is the installed `knead` in a subprocess against sample
directories on loopback (the progress test on a pseudo-terminal, as a user
would see it).
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

import pytest
from knead_proc import KNEAD, knead_env, run_knead, start_knead

from index.records.store import RecordStore
from spiders.sample_site import SampleSite

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def flat(text: str) -> str:
    """Output with its wrapping undone (lines are wrapped to the terminal's width)."""
    return " ".join(text.split())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_on_terminal(*args: str, columns: int = 72, env: dict | None = None) -> tuple[int, bytes]:
    """Run knead with stdout and stderr on a pseudo-terminal `columns` wide; (exit code, bytes shown)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**knead_env(), **(env or {})}
    env.pop("COLUMNS", None)
    proc = subprocess.Popen([KNEAD, *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(timeout=60), shown


def test_progress_shows_live_counts_on_a_terminal_and_is_cleared_before_the_summary(tmp_path):
    code, shown = run_on_terminal(
        "--data-dir", str(tmp_path), "crawl", "--sample-size", "150", "--delay", "0.01", "--concurrency", "2",
        env={"KNEAD_SAMPLE_SITE_PORT": str(free_port())},
    )
    assert code == 0, shown[-2000:]
    before, summary = shown.split(b"Crawl of amta finished", 1)
    frames = [ANSI.sub(b"", f).strip() for f in re.split(rb"\r|\n", before)]
    counts = [re.search(rb"(\d+) pages fetched, (\d+) listings stored, (\d+) failed, ([\d.]+|-) pages/s", f)
              for f in frames]
    counts = [tuple(int(n) for n in m.groups()[:3]) for m in counts if m]
    # Updated as the crawl ran: the counts grew from frame to frame.
    assert len(set(counts)) >= 3, frames[-10:]
    assert counts == sorted(counts) and counts[-1][1] > 0
    assert any(re.search(rb"\d+\.\d pages/s", f) for f in frames)
    # The last frame was erased (cursor to column 0, line cleared) before the summary.
    assert before.endswith(b"\x1b[2K")
    last_line = ANSI.sub(b"", before.rsplit(b"\n", 1)[-1]).replace(b"\r", b"").strip()
    assert last_line == b"", last_line
    # The summary is wrapped to the terminal's 72 columns (URLs are never broken).
    for line in ANSI.sub(b"", summary).decode().splitlines():
        assert len(line) <= 72 or (" " not in line.strip() and "://" in line), line


def test_unreachable_start_urls_are_failed_lines_naming_host_and_reason_not_robots_skips(tmp_path):
    closed = free_port()  # nothing listens there: connection refused
    with SampleSite(size=10) as site:
        tls = f"https://127.0.0.1:{site.port}/find-massage-therapist/?page=1"  # a plain-HTTP server
        result = run_knead(
            "crawl", "amta", "--delay", "0",
            "--start-url", f"http://127.0.0.1:{closed}/find-massage-therapist/?page=1",
            "--start-url", tls,
            "--start-url", "http://no-such-directory.invalid/find-massage-therapist/",
            data_dir=tmp_path,
        )
    out = flat(result.stdout)
    assert result.returncode == 1
    assert "URLs failed: 3" in out
    assert f"(127.0.0.1:{closed} unreachable: connection refused)" in out
    assert f"(127.0.0.1:{site.port} unreachable: TLS handshake failed)" in out
    assert "(no-such-directory.invalid unreachable: DNS lookup failed)" in out
    assert "skipped (robots.txt): 0" in out
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Error: The crawl stored no listings; the index was left as it was."


def test_max_items_stores_exactly_that_many_and_says_so_in_knead_words(tmp_path):
    result = run_knead("crawl", "--sample-size", "200", "--max-items", "50", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    out = flat(result.stdout)
    assert "Crawl of amta stopped after --max-items 50 (" in out
    assert "listings stored: 50 (50 new, 0 changed, 0 unchanged)" in out
    assert "closespider" not in result.stdout + result.stderr
    assert re.search(r"unmapped technique values: \d+ distinct, \d+ occurrences: '", out)
    with RecordStore(tmp_path / "records.sqlite3") as store:
        assert store.count("amta") == 50  # the registry sample's crawl stops at 50 too, on its own
    assert "Index rebuilt: 50 therapists and practices people can find now, generation 1" in out


def test_an_interrupted_crawl_says_it_was_interrupted(tmp_path):
    with SampleSite(size=400) as site:
        proc = start_knead("crawl", "amta", "--start-url", site.start_url, "--delay", "0.05", data_dir=tmp_path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(p.startswith("/famt/") for _, p in site.requests) < 5:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "Crawl of amta was interrupted (" in out
    assert "shutdown" not in out + err
    assert "`knead crawl --resume` continues it" in flat(err)


def test_the_sample_directory_keeps_its_port_so_a_recrawl_revalidates_and_links_stay_valid(tmp_path):
    port = free_port()
    env = {**knead_env(), "KNEAD_SAMPLE_SITE_PORT": str(port)}

    def crawl():
        return subprocess.run([KNEAD, "--data-dir", str(tmp_path), "crawl", "--sample-size", "40"],
                              capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL, check=False)

    first, second = crawl(), crawl()
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert f"Crawling the bundled sample directory at http://127.0.0.1:{port}" in second.stderr
    fetched = re.search(r"pages fetched: (\d+) \((\d+) unchanged: 304", flat(second.stdout))
    assert fetched and int(fetched.group(2)) == int(fetched.group(1)) > 0  # every page revalidated
    with RecordStore(tmp_path / "records.sqlite3") as store:
        urls = [row["url"] for row in store.listings() if row["source"] == "amta"]
    assert urls and all(u.startswith(f"http://127.0.0.1:{port}/famt/") for u in urls)
    with SampleSite(size=40, port=port) as site:  # served again: the stored link answers
        import urllib.request

        with urllib.request.urlopen(urls[0]) as answer:
            assert answer.status == 200
        assert site.requests


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminal sizes via termios")
def test_status_wraps_to_the_terminal_width(tmp_path):
    assert run_knead("crawl", "--sample-size", "30", data_dir=tmp_path).returncode == 0
    code, shown = run_on_terminal("--data-dir", str(tmp_path), "status", columns=50)
    assert code == 0
    lines = ANSI.sub(b"", shown).decode().replace("\r", "").splitlines()
    assert any("last published crawl #1" in line for line in lines)
    assert all(len(line) <= 50 or " " not in line.strip() for line in lines), lines
