"""Headless Chromium driven over the DevTools protocol: open a page as a person would, after its
scripts ran, and report what the console said, what the page fetched, what the DOM holds, and a
screenshot. Used by tests/test_report.py and by `make screenshot` (docs/report.png):

    python -m tests.browser PAGE.html SHOT.png
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--remote-debugging-port=0"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class DevTools:
    """One page target; `call` sends a command and returns its result, keeping events seen meanwhile."""

    def __init__(self, url: str):
        from websockets.sync.client import connect
        self._connection = connect(url, max_size=None, open_timeout=30)
        self.socket = self._connection.__enter__()
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, timeout: float = 60, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for seen in self.events:
            if seen["method"] == event:
                return seen
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if "method" in message:
                self.events.append(message)
                if message["method"] == event:
                    return message
        raise TimeoutError(event)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        self._connection.__exit__(None, None, None)


class Browser:
    """A fresh headless Chromium with its own throw-away profile."""

    def __init__(self, width: int = 1100, height: int = 900):
        executable = chromium_path()
        if not executable:
            raise RuntimeError("chromium is not installed (Debian: apt-get install -y chromium; or `make chromium`)")
        self.profile = tempfile.mkdtemp(prefix="newsbeam-chromium-")
        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited: {self.process.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not open its DevTools port")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])
        self.width, self.height = width, height

    def page(self) -> DevTools:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=30) as response:
            targets = json.load(response)
        page = next(t for t in targets if t.get("type") == "page")
        return DevTools(page["webSocketDebuggerUrl"])

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def console_errors(events: list[dict]) -> list[str]:
    """Uncaught exceptions, console.error calls and browser log errors (failed loads, CSP, ...)."""
    errors = []
    for e in events:
        params = e.get("params", {})
        if e["method"] == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif e["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif e["method"] == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append(params["entry"].get("text", "log error"))
    return errors


def network_requests(events: list[dict]) -> list[str]:
    """URLs the page asked for other than itself and inline data."""
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    return [u for u in urls if not u.startswith(("file:", "data:", "about:"))]


def open_page(browser: Browser, page_path: Path) -> DevTools:
    """Load a local page and wait until it finished loading (its scripts ran)."""
    tab = browser.page()
    for domain in ("Page", "Runtime", "Log", "Network"):
        tab.call(f"{domain}.enable")
    tab.call("Page.navigate", url=Path(page_path).resolve().as_uri())
    tab.wait_for("Page.loadEventFired")
    return tab


def screenshot(tab: DevTools, path: Path, width: int = 1100, max_height: int | None = None) -> Path:
    """The whole page (or its first `max_height` CSS pixels) as a PNG."""
    metrics = tab.call("Page.getLayoutMetrics")
    height = int(metrics["cssContentSize"]["height"])
    if max_height:
        height = min(height, max_height)
    tab.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
    data = tab.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data))
    return path


def main(argv: list[str]) -> int:
    page, shot = Path(argv[0]), Path(argv[1])
    max_height = int(argv[2]) if len(argv) > 2 else None
    with Browser() as browser:
        tab = open_page(browser, page)
        screenshot(tab, shot, max_height=max_height)
        errors = console_errors(tab.events)
        tab.close()
    print(f"screenshot: {shot} ({os.path.getsize(shot) // 1024} KB)" + (f"; console errors: {errors}" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
