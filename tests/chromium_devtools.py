"""Headless Chromium for tests, offline, driven over the DevTools protocol on a pipe.

`offline_chromium_args` is the one list of flags the tests start Chromium
with: headless, no sandbox or GPU, no background networking, component
updates, sync or first-run work, a proxy that refuses everything, every host
unresolvable, a fresh profile, and a network namespace of its own when
`unshare -rn` is allowed.

`DevToolsPage` starts Chromium with `--remote-debugging-pipe` (the protocol's
JSON messages, each ended by a NUL byte, on file descriptors 3 and 4: no port,
no websocket library) and gives a test a page to load, measure and capture.
`Runtime.evaluate` runs as the inspector, outside the page's
Content-Security-Policy, so a test can read layout (getBoundingClientRect)
from an export whose CSP forbids every script.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
TIMEOUT = 120.0  # seconds for any one protocol answer; a loaded CI machine is slow, never this slow


def offline_prefix() -> list[str]:
    """`unshare -rn` (no network at all) when this machine allows it, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False).returncode == 0:
        return [unshare, "-rn"]
    return []


def offline_chromium_args(profile: Path, *mode: str) -> list[str]:
    return [*offline_prefix(), CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-extensions", "--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}", *mode]


class DevToolsError(RuntimeError):
    pass


class DevToolsPage:
    """One Chromium with one page, for `with`: load a file, evaluate JavaScript, take screenshots."""

    def __init__(self, profile: Path, width: int = 1200, height: int = 1600):
        self.profile, self.width, self.height = profile, width, height
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict] = []
        self.session: str | None = None

    def __enter__(self) -> DevToolsPage:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def pipes_as_3_and_4():  # in the child before exec (only dup calls: safe after a fork with threads)
            # Moved above 10 first: a pipe may itself be 3 or 4, and dup2 onto itself keeps close-on-exec.
            high_r, high_w = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._log = tempfile.TemporaryFile()  # not a pipe: nobody reads it while Chromium runs
        self.process = subprocess.Popen(
            offline_chromium_args(self.profile, "--remote-debugging-pipe", f"--window-size={self.width},{self.height}"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log,
            preexec_fn=pipes_as_3_and_4, close_fds=False)  # noqa: PLW1509  (close_fds would close 3 and 4)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self.call("Page.enable")
            self.resize(self.width, self.height)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.process.poll() is None:
                self.session = None
                self._send("Browser.close", {})
                self.process.wait(timeout=30)
        except (OSError, DevToolsError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            for fd in (self._to_chrome, self._from_chrome):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._log.close()

    # -- the protocol ---------------------------------------------------------

    def _send(self, method: str, params: dict) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise DevToolsError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                self._log.seek(0)
                raise DevToolsError(f"Chromium closed the pipe: {self._log.read()[-2000:]!r}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, **params) -> dict:
        wanted = self._send(method, params)
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def wait_for(self, event: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            for i, message in enumerate(self._events):
                if message["method"] == event:
                    return self._events.pop(i)
            self._events.append(self._receive(deadline))

    # -- what tests use -------------------------------------------------------

    def resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def load(self, page: Path) -> None:
        self._events.clear()
        answer = self.call("Page.navigate", url=page.as_uri())
        if answer.get("errorText"):
            raise DevToolsError(f"{page}: {answer['errorText']}")
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The JSON value of `expression` (an async function body may `return` a promise's value)."""
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in answer:
            raise DevToolsError(f"evaluate: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, target: Path, clip: tuple[float, float, float, float] | None = None) -> bytes:
        """A PNG of the whole page (not just the window), or of the `clip` box (left, top, right, bottom)
        in page pixels, also written to `target` for a person to look at."""
        # Capturing beyond the window resizes it for a moment, and the page's layout with it: a clip is
        # taken from the window as laid out (make the window tall enough).
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": clip is None, "optimizeForSpeed": True}
        if clip is not None:
            left, top, right, bottom = clip
            params["clip"] = {"x": left, "y": top, "width": right - left, "height": bottom - top, "scale": 1}
        data = base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])
        target.write_bytes(data)
        return data
