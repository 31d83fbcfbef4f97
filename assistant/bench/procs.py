"""The processes a benchmark runs: `assistant serve` and `chroma run`, on loopback only, stopped by pid.

Every process binds 127.0.0.1 on a free port, logs to a file in the benchmark's temp dir (its tail is
quoted when it fails to start), and is stopped by its own pid: terminate, then kill if it lingers.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx

from assistant.config import PROJECT_ROOT
from assistant.errors import AssistantError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
"""The only address anything here binds or loads: a benchmark never leaves the machine."""

SCRUBBED_ENV = ("ASSISTANT_CHROMA_URL", "ASSISTANT_LLM_BASE_URL", "ASSISTANT_INDEX_DIR", "ASSISTANT_EMBEDDING_CACHE")
"""Inherited settings a measurement must not pick up (an LLM endpoint, someone else's index)."""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def bench_env(**settings: str) -> dict[str, str]:
    """This process's environment without the scrubbed settings, plus `settings` and the guards off."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["ASSISTANT_RATE_LIMIT_PER_MINUTE"] = "0"  # a load test from one address would trip it at once
    env.update(settings)
    return env


def copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite file (WAL included), via SQLite's backup API."""
    dst.unlink(missing_ok=True)
    with closing(sqlite3.connect(src)) as source, closing(sqlite3.connect(dst)) as target:
        source.backup(target)


def peak_rss_mb(pid: int) -> dict[str, float] | None:
    """{"peak": VmHWM, "now": VmRSS} in MB from /proc (Linux); None where that does not exist."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = {k: float(v.split()[0]) / 1024 for k, v in (line.split(":", 1) for line in lines if ":" in line)
              if k in ("VmHWM", "VmRSS")}
    if "VmHWM" not in values:
        return None
    return {"peak": round(values["VmHWM"], 1), "now": round(values.get("VmRSS", 0.0), 1)}


def tail(path: Path, lines: int = 30) -> str:
    """The end of a log file."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Process:
    """A child process with a log file, stopped by its pid."""

    def __init__(self, name: str, cmd: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        """Start it at once."""
        self.name = name
        self.log_path = log_path
        self.started = time.monotonic()
        with log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def check_alive(self) -> None:
        """Raise with the log's tail if the process has exited."""
        if self.proc.poll() is not None:
            raise AssistantError(f"{self.name} exited with {self.proc.returncode}:\n{tail(self.log_path)}")

    def wait_http(self, url: str, timeout: float) -> float:
        """Poll `url` until it answers 200; seconds since start."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return time.monotonic() - self.started
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssistantError(f"{self.name} not ready after {timeout:.0f}s:\n{tail(self.log_path)}")

    def stop(self) -> None:
        """Terminate by pid, kill if it lingers, reap."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


class ApiServer(Process):
    """`assistant serve` on a free loopback port over one index dir and embedding cache."""

    def __init__(
        self, workdir: Path, index_dir: Path, cache: Path, chroma_url: str | None = None, **settings: str
    ) -> None:
        """Start the server (it checks or builds the index, then loads in the background); `settings` are
        extra ASSISTANT_* variables."""
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        env = bench_env(ASSISTANT_INDEX_DIR=str(index_dir), ASSISTANT_EMBEDDING_CACHE=str(cache),
                        **({"ASSISTANT_CHROMA_URL": chroma_url} if chroma_url else {}), **settings)
        cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", HOST, "--port", str(self.port)]
        super().__init__(f"assistant serve :{self.port}", cmd, workdir / f"serve-{self.port}.log", env)

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Seconds until /readyz said 200 (the Assistant loaded and warmed up)."""
        return self.wait_http(f"{self.url}/readyz", timeout)


def chroma_executable() -> str | None:
    """The `chroma` console script next to this Python, or on PATH."""
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else shutil.which("chroma")


class ChromaServer:
    """`chroma run` on one loopback port and data dir (log beside it), for the bench and the tests.

    It can be stopped and started again on the same port and data, which is how the outage tests take
    the vector server away and bring it back.
    """

    def __init__(self, data: Path, executable: str, port: int | None = None) -> None:
        """Remember where and how; `start` runs it."""
        self.data = data
        self.executable = executable
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.process: Process | None = None

    def start(self, timeout: float = 60.0) -> float:
        """Start the server; seconds until its heartbeat answered (AssistantError with the log if never)."""
        cmd = [self.executable, "run", "--path", str(self.data), "--host", HOST, "--port", str(self.port)]
        self.process = Process(f"chroma run :{self.port}", cmd, self.data.parent / "chroma-server.log", bench_env())
        return self.process.wait_http(f"{self.url}/api/v2/heartbeat", timeout)

    def stop(self) -> None:
        """Stop the server, if it runs."""
        if self.process is not None:
            self.process.stop()
            self.process = None
