"""The caches in front of the embedding model: faults never fail a call, questions are bounded and batched."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.bench.fresh import variations
from assistant.config import Settings
from assistant.evaluation import QUESTIONS_PATH
from assistant.evaluation.batch import load_questions
from assistant.public import describe_failure, public_message
from assistant.repair import cache_damage, set_aside_damage
from assistant.text import normalize
from assistant.vector_cache import CachedEmbeddings, QueryBatcher


class CountingModel(Embeddings):
    """A deterministic fake model that counts what it embeds and how many calls it took."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[list[str]] = []
        self.delay = delay
        self.lock = threading.Lock()

    @staticmethod
    def vector(text: str) -> list[float]:
        return [float(len(text)), float(sum(map(ord, text)) % 997), 1.0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_queries(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        with self.lock:
            self.calls.append(list(texts))
        time.sleep(self.delay)
        return [self.vector(t) for t in texts]


def test_question_vectors_are_bounded_and_least_recently_used_go_first(tmp_path: Path) -> None:
    model = CountingModel()
    cache = CachedEmbeddings(model, tmp_path / "cache.sqlite", "fake", query_cache_size=2)
    for text in ("一", "二", "一", "三"):  # 一 is used again, so 二 is the one dropped
        cache.embed_query(text)
    assert len(cache.queries) == 2 and (cache.hits, cache.misses) == (1, 3)
    cache.embed_query("一")
    assert cache.hits == 2
    cache.embed_query("二")
    assert cache.misses == 4
    assert not (tmp_path / "cache.sqlite").exists(), "question vectors never go to disk"


def test_a_garbage_cache_file_is_a_miss_counted_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xde\xad" * 4000)  # what a truncated copy looks like
    cache = CachedEmbeddings(CountingModel(), path, "fake")
    assert cache.embed_documents(["养老", "助餐"]) == [CountingModel.vector("养老"), CountingModel.vector("助餐")]
    assert cache.failures.read >= 1 and cache.stats()["read_failures"] == cache.failures.read
    assert cache.failures.write >= 1 and cache.failures.last_error


def test_a_cache_that_cannot_be_created_is_skipped_and_counted(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = CachedEmbeddings(CountingModel(), blocker / "cache.sqlite", "fake")
    assert cache.embed_documents(["养老"]) == [CountingModel.vector("养老")]
    assert cache.failures.write == 1 and cache.misses == 1


def test_a_locked_cache_does_not_hold_the_answer(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    CachedEmbeddings(CountingModel(), path, "fake").embed_documents(["预热"])
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
    try:
        cache = CachedEmbeddings(CountingModel(), path, "fake")
        cache.busy_timeout_s = 0.5
        started = time.monotonic()
        assert cache.embed_documents(["养老"]) == [CountingModel.vector("养老")]
        assert cache.failures.read + cache.failures.write >= 1
        assert time.monotonic() - started < 5
    finally:
        holder.rollback()
        holder.close()


def test_concurrent_questions_are_embedded_in_shared_calls(tmp_path: Path) -> None:
    model = CountingModel(delay=0.05)
    cache = CachedEmbeddings(model, tmp_path / "cache.sqlite", "fake")
    texts = [f"第{i}个问题" for i in range(24)]
    results: dict[str, list[float]] = {}

    def ask(text: str) -> None:
        results[text] = cache.embed_query(text)

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {t: CountingModel.vector(t) for t in texts}
    assert sum(len(c) for c in model.calls) == 24
    assert len(model.calls) < 24 and max(len(c) for c in model.calls) > 1


def test_an_engine_failure_reaches_every_waiter_and_the_batcher_recovers() -> None:
    failing = {"on": True}

    def encode(texts: list[str]) -> list[list[float]]:
        if failing["on"]:
            raise RuntimeError("engine down")
        return [[1.0] for _ in texts]

    batcher = QueryBatcher(encode)
    with pytest.raises(RuntimeError):
        batcher.embed("a")
    failing["on"] = False
    assert batcher.embed("b") == [1.0]


def test_a_damaged_embedding_cache_is_found_and_set_aside(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", embedding_cache=tmp_path / "cache.sqlite")
    settings.embedding_cache_path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert cache_damage(settings)
    assert any("cache.sqlite" in why for why in set_aside_damage(settings))
    assert (tmp_path / "cache.sqlite.corrupt").exists() and not cache_damage(settings)


def test_a_sqlite_file_without_the_vector_columns_is_damaged(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path, embedding_cache=tmp_path / "cache.sqlite")
    with sqlite3.connect(settings.embedding_cache_path) as db:
        db.execute("CREATE TABLE vectors (something TEXT)")
    assert "without" in (cache_damage(settings) or "")
    CachedEmbeddings(CountingModel(), tmp_path / "good.sqlite", "fake").embed_documents(["养老"])
    assert cache_damage(Settings(index_dir=tmp_path, embedding_cache=tmp_path / "good.sqlite")) is None


def test_public_messages_keep_the_fix_and_drop_the_insides() -> None:
    said = public_message("/srv/secret/index/plan.sqlite does not exist; set ASSISTANT_SOURCE (RecursionError)")
    assert "plan.sqlite does not exist" in said
    assert "/srv" not in said and "ASSISTANT_" not in said and "RecursionError" not in said
    assert "full" in describe_failure(OSError(28, "No space left on device"))
    assert "full" in describe_failure(sqlite3.OperationalError("database or disk is full"))
    assert "OperationalError" not in describe_failure(sqlite3.OperationalError("database or disk is full"))


def test_generated_questions_are_new_and_distinct() -> None:
    rows = load_questions(QUESTIONS_PATH)
    out = variations(rows, 3000)
    keys = [normalize(r["question"]) for r in out]
    assert len(out) == 3000 and len(set(keys)) == 3000
    assert not set(keys) & {normalize(r["question"]) for r in rows}


def test_a_leader_embeds_one_batch_and_returns_while_questions_keep_coming() -> None:
    """Under a steady stream of questions no thread embeds for others after its own vector is done (the
    old leader drained for as long as questions arrived and held its own answer for seconds)."""
    calls: list[int] = []

    def encode(texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        time.sleep(0.02)
        return [[float(len(t))] for t in texts]

    batcher = QueryBatcher(encode, max_batch=4)
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            batcher.embed("x" * 3)

    feeders = [threading.Thread(target=stream) for _ in range(6)]
    for f in feeders:
        f.start()
    mine: list[list[float]] = []
    try:
        time.sleep(0.1)
        asker = threading.Thread(target=lambda: mine.append(batcher.embed("第一个问题")))
        asker.start()
        asker.join(3.0)  # its turn comes after a few 20 ms calls; a leader that never steps down never returns
        assert mine == [[5.0]]
    finally:
        stop.set()
        for f in feeders:
            f.join(5)
    assert max(calls) <= 4
