"""A real `assistant serve` process on a free loopback port, for the HTTP and browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from assistant.bench.procs import free_port

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_server(
    index_dir: Path, timeout: float = 600.0, env: dict[str, str] | None = None, settled: bool = False
) -> Iterator[tuple[str, float]]:
    """Start `python -m assistant.cli serve` over `index_dir`; yield (base URL, seconds to /readyz 200).

    `env` adds ASSISTANT_* settings; with `settled`, a /readyz that says "failed" also ends the wait.
    The process is stopped by its pid when the block exits, whatever happened inside it.
    """
    port = free_port()
    extra = env or {}
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    for key in ("ASSISTANT_CHROMA_URL", "ASSISTANT_LLM_BASE_URL"):  # offline, extractive, deterministic
        env.pop(key, None)
    env.update(extra)
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = tempfile.NamedTemporaryFile(prefix="assistant-serve-", suffix=".log", delete=False)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        ready_after = wait_ready(base, proc, log.name, started, timeout, settled)
        yield base, ready_after
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def wait_ready(
    base: str, proc: subprocess.Popen[bytes], log_path: str, started: float, timeout: float, settled: bool = False
) -> float:
    """Poll /readyz until 200 (or "failed", when `settled`); fail with the log if it exits or takes too long."""
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log_path)}")
        try:
            response = httpx.get(f"{base}/readyz", timeout=2)
            if response.status_code == 200 or (settled and response.json().get("status") == "failed"):
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server not ready after {timeout:.0f}s:\n{tail(log_path)}")


def tail(path: str, lines: int = 40) -> str:
    """The end of the server log."""
    return "\n".join(Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
