"""`assistant screenshots`: the web chat at desktop and phone sizes, light and dark, for eval/reports/.

Only this command writes them (never a test run), so the committed images change when someone means
them to. It starts its own `assistant serve` on a free loopback port over the configured index and
drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal

import httpx

from assistant.bench.procs import free_port
from assistant.config import Settings
from assistant.errors import BackendUnavailableError

log = logging.getLogger(__name__)
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
THEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 600.0) -> None:
    """Poll /readyz until the server answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise BackendUnavailableError(f"the server exited with {proc.returncode}; run `assistant serve` to see why")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise BackendUnavailableError(f"the server was not ready after {timeout:.0f}s")


def take_screenshots(settings: Settings, out: Path, chromium: Path) -> list[Path]:
    """Ask the first example question, open source [1], and photograph each size and theme."""
    from playwright.sync_api import sync_playwright

    if not chromium.exists():
        raise BackendUnavailableError(f"no Chromium at {chromium}; install it with `apt-get install chromium`")
    port = free_port()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(settings.index_dir)}
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    paths: list[Path] = []
    try:
        wait_ready(base, proc)
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=ARGS)
            try:
                for size, (width, height) in SIZES.items():
                    for theme in THEMES:
                        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                                      color_scheme=theme)
                        page = context.new_page()
                        page.set_default_timeout(60_000)
                        page.goto(f"{base}/?__theme={theme}")
                        page.locator(".pa-example").first.click()
                        page.locator("#chatbot .pa-sources").first.wait_for()
                        page.locator("#chatbot .pa-cite").first.click()
                        page.locator("#pa-panel mark").first.wait_for()
                        path = out / f"chat-{size}-{theme}.png"
                        page.screenshot(path=str(path))
                        paths.append(path)
                        log.info("wrote %s", path)
                        context.close()
            finally:
                browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return paths
