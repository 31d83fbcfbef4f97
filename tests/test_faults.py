"""Faults of the files under a running server, with real files, real mounts and real `assistant serve`s.

A damaged embedding cache, a disk that fills up while serving or before the first build, a read-only
index dir, and two workers of which one re-ingests. The mounts (a small tmpfs, a read-only bind mount)
need root; where mounting is not permitted those tests skip and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from assistant.config import DEFAULT_PLAN, PROJECT_ROOT, Settings
from assistant.repair import cache_damage
from assistant.service import build
from tests.live_server import running_server

pytestmark = pytest.mark.server

QUESTIONS = ["新北区第三季度的改革进度?", "哪个区助餐点最多?", "冬暖夏凉送电项目谁负责?", "新北區第三季度的改革進度?",
             "What is Xinbei's Q3 reform milestone?", "新北区要建多少张家庭养老床位?"]
ADMIN_TOKEN = "faults-admin-token"


def chat(base: str, question: str) -> httpx.Response:
    return httpx.post(f"{base}/api/chat", json={"messages": [{"role": "user", "content": question}]}, timeout=60)


def assert_serves(base: str, tag: str) -> None:
    """Every question (made new with `tag`, so no cache has it) and every search mode answers 200."""
    for question in QUESTIONS:
        response = chat(base, f"{question} {tag}")
        assert response.status_code == 200, response.text
    for mode in ("hybrid", "dense", "bm25"):
        response = httpx.get(f"{base}/api/search", params={"q": f"助餐点 {tag}", "mode": mode}, timeout=60)
        assert response.status_code == 200 and response.json()["hits"], response.text


def truncate(path: Path, keep: int = 8192) -> None:
    """What a copy cut short or a disk that filled mid-write leaves: the first pages of the file only."""
    data = path.read_bytes()
    assert len(data) > keep
    path.write_bytes(data[:keep])
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)


def own_index(root: Path, session_index: Path, cache: Path) -> Path:
    """A copy of the session index with its own copy of the embedding cache inside it."""
    index = root / "index"
    shutil.copytree(session_index, index)
    shutil.copy(cache, index / "embedding_cache.sqlite")
    return index


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **env})


@contextmanager
def mounted(args: list[str], target: Path) -> Iterator[Path]:
    """`mount ARGS TARGET` for the block; skips the test where mounting is not permitted."""
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode}); this test needs root")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def fill(disk: Path) -> Path:
    """Write a file on `disk` until the file system says it is full; returns the file."""
    filler = disk / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):  # unbuffered, so the last byte that fits is written
            try:
                while True:
                    os.write(fd, b"\xff" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    assert shutil.disk_usage(disk).free < (1 << 16)
    return filler


# ---- the embedding cache is checked and repairable -----------------------------------------------

def test_ingest_repairs_a_truncated_cache_though_the_page_is_unchanged(
    retriever, index_dir: Path, shared_embedding_cache: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    index = own_index(tmp_path, index_dir, shared_embedding_cache)
    cache = index / "embedding_cache.sqlite"
    env = {"ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_EMBEDDING_CACHE": str(cache)}
    assert cli(["ingest"], env).returncode == 0  # source lines and a generation for this copy
    truncate(cache)
    searched = cli(["search", "--mode", "dense", "助餐点"], env)  # the cache is not needed to search
    assert searched.returncode == 0 and "task-3-3" in searched.stdout, searched.stderr
    done = cli(["ingest"], env)
    assert done.returncode == 0, done.stderr
    assert "plan.sqlite unchanged" in done.stdout and "vector index unchanged" in done.stdout
    assert (index / "embedding_cache.sqlite.corrupt").exists()
    assert cache_damage(Settings(index_dir=index, embedding_cache=cache)) is None


def test_a_cache_truncated_before_start_or_while_serving_never_fails_an_answer(
    retriever, index_dir: Path, shared_embedding_cache: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    index = own_index(tmp_path, index_dir, shared_embedding_cache)
    cache = index / "embedding_cache.sqlite"
    truncate(cache)
    env = {"ASSISTANT_EMBEDDING_CACHE": str(cache), "ASSISTANT_SELFCHECK_INTERVAL_S": "0"}
    with running_server(index, env=env) as (base, _):
        assert (index / "embedding_cache.sqlite.corrupt").exists(), "set aside at start"
        assert_serves(base, "(before)")
        shutil.copy(shared_embedding_cache, cache)
        truncate(cache)  # and again under the running server
        assert_serves(base, "(while)")
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200 and ready.json()["checks"]["dense"] == "ok"
        problems = " ".join(ready.json()["problems"])
        assert "embedding cache" in problems and str(tmp_path) not in ready.text, ready.text


# ---- a full disk ---------------------------------------------------------------------------------

def test_a_disk_filled_while_serving_fails_no_answer(
    retriever, index_dir: Path, shared_embedding_cache: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    with ExitStack() as stack:
        disk = stack.enter_context(mounted(["-t", "tmpfs", "-o", "size=64m", "tmpfs"], tmp_path / "disk"))
        index = own_index(disk, index_dir, shared_embedding_cache)
        env = {"ASSISTANT_EMBEDDING_CACHE": str(index / "embedding_cache.sqlite"), "ASSISTANT_SELFCHECK_INTERVAL_S": "0"}
        base, _ = stack.enter_context(running_server(index, env=env))
        assert_serves(base, "(room)")
        filler = fill(disk)
        assert_serves(base, "(full)")
        assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200
        edited = cli(["ingest"], {"ASSISTANT_INDEX_DIR": str(index), **env})  # unchanged: nothing to write
        assert edited.returncode == 0, edited.stderr
        filler.unlink()


def test_a_full_disk_at_first_build_fails_readiness_with_the_cause(tmp_path: Path) -> None:
    with ExitStack() as stack:
        disk = stack.enter_context(mounted(["-t", "tmpfs", "-o", "size=1m", "tmpfs"], tmp_path / "disk"))
        env = {"ASSISTANT_EMBEDDING_CACHE": str(disk / "cache.sqlite")}
        base, _ = stack.enter_context(running_server(disk / "index", env=env, settled=True, timeout=300))
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["status"] == "failed"
        error = ready.json()["error"]
        assert "full" in error and "assistant ingest" in error
        assert str(tmp_path) not in error and "Error" not in error
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200


# ---- a read-only index dir -----------------------------------------------------------------------

def test_a_read_only_index_dir_serves(
    retriever, index_dir: Path, shared_embedding_cache: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    index = own_index(tmp_path / "rw", index_dir, shared_embedding_cache)
    cache = index / "embedding_cache.sqlite"
    build(Settings(index_dir=index, embedding_cache=cache))  # lines and generation, then never written again
    with ExitStack() as stack:
        ro = stack.enter_context(mounted(["--bind", str(index)], tmp_path / "ro"))
        remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only here ({remount.stderr.strip()})")
        with pytest.raises(OSError):
            (ro / "probe").write_text("x")
        env = {"ASSISTANT_EMBEDDING_CACHE": str(ro / "embedding_cache.sqlite")}
        base, _ = stack.enter_context(running_server(ro, env=env))
        assert_serves(base, "(read-only)")
        lines = httpx.get(f"{base}/api/sources/task-3-1", timeout=30).json()["source_lines"]
        assert any("192" in line["text"] for line in lines)
        assert httpx.get(f"{base}/readyz", timeout=30).json()["status"] == "ready"


# ---- two workers follow the index ----------------------------------------------------------------

def test_after_a_reingest_on_one_worker_the_other_answers_from_the_new_plan(
    retriever, index_dir: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    index = tmp_path / "index"
    shutil.copytree(index_dir, index)
    page = tmp_path / "page" / DEFAULT_PLAN.name
    page.parent.mkdir()
    shutil.copy(DEFAULT_PLAN, page)
    env = {"ASSISTANT_SOURCE": str(page), "ASSISTANT_ADMIN_TOKEN": ADMIN_TOKEN, "ASSISTANT_GENERATION_CHECK_S": "0.5"}
    question = "新北区要建多少张家庭养老床位?"
    with running_server(index, env=env) as (one, _), running_server(index, env=env) as (other, _):
        assert "192" in chat(other, question).json()["answer"]
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("\n192張\n", "\n193張\n"), encoding="utf-8")
        # Edited but not ingested: the citation still shows the lines that were ingested, not the file's.
        shown = httpx.get(f"{other}/api/sources/task-3-1", timeout=30).json()["source_lines"]
        assert any("192" in line["text"] for line in shown) and not any("193" in line["text"] for line in shown)
        old_generation = httpx.get(f"{other}/readyz", timeout=30).json()["generation"]
        done = httpx.post(f"{one}/admin/reingest", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=300)
        assert done.status_code == 200 and done.json()["plan_written"], done.text
        deadline = time.monotonic() + 60
        answer = ""
        while time.monotonic() < deadline:
            answer = chat(other, question).json()["answer"]
            if "193" in answer:
                break
            time.sleep(0.5)
        assert "193" in answer and "192" not in answer, answer
        ready = httpx.get(f"{other}/readyz", timeout=30).json()
        assert ready["generation"] != old_generation
        shown = httpx.get(f"{other}/api/sources/task-3-1", timeout=30).json()["source_lines"]
        assert any("193" in line["text"] for line in shown) and not any("192" in line["text"] for line in shown)
        assert json.dumps(shown, ensure_ascii=False).count("193") >= 1
