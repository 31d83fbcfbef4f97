"""Hybrid retrieval on the real plan: real E5 vectors in a real (embedded) Chroma store, real BM25."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.chroma import parse_chroma_url
from assistant.chunks import Chunk, build_chunks
from assistant.config import PROJECT_ROOT, Settings
from assistant.embeddings import CachedEmbeddings, E5Embeddings
from assistant.errors import IndexMissingError, InputError
from assistant.index import (
    VectorIndex,
    build_index,
    chunk_hash,
    chunk_metadata,
    manifest_path,
    passage_texts,
    read_manifest,
)
from assistant.models import Plan
from assistant.retrieval_eval import THRESHOLDS, evaluate, load_rows, unknown_ids
from assistant.retrieve import BM25Index, HybridRetriever, fuse, prepare_query

EVAL_FILE = PROJECT_ROOT / "eval" / "retrieval.jsonl"


# ---- fusion -------------------------------------------------------------------------------------

def test_fuse_ranks_consensus_first() -> None:
    fused = fuse([["x", "y"], ["y", "z"]], k_rrf=60)
    assert [cid for cid, _ in fused] == ["y", "x", "z"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_fuse_breaks_ties_by_best_rank_then_ranking_order() -> None:
    fused = fuse([["a", "b", "c"], ["b", "a", "d"]], k_rrf=60)
    assert [cid for cid, _ in fused] == ["a", "b", "c", "d"]
    assert fused[0][1] == pytest.approx(fused[1][1])


def test_fuse_limit_weights_duplicates_and_empty_input() -> None:
    assert fuse([["a", "b", "c"], ["c"]], k_rrf=1, limit=1) == [("c", pytest.approx(1 / 4 + 1 / 2))]
    assert [cid for cid, _ in fuse([["a"], ["b"]], weights=[1.0, 2.0])] == ["b", "a"]
    assert fuse([["a", "a", "b"]], k_rrf=10) == [("a", pytest.approx(1 / 11)), ("b", pytest.approx(1 / 12))]
    assert fuse([]) == [] and fuse([[], []]) == []
    with pytest.raises(InputError):
        fuse([["a"]], weights=[1.0, 2.0])


def test_bm25_matches_traditional_text_from_simplified_query(plan: Plan) -> None:
    bm25 = BM25Index(build_chunks(plan))
    assert bm25.search("老年助餐点", limit=3)[0][0] == "task-3-3"
    assert bm25.search("的 了 吗") == []


def test_chroma_metadata_omits_none_and_records_lines(plan: Plan) -> None:
    chunks = {c.id: c for c in build_chunks(plan)}
    task, milestone = chunk_metadata(chunks["task-3-3"]), chunk_metadata(chunks["reform-7-q3"])
    assert "district" not in task and "quarter" not in task and task["kind"] == "task"
    assert milestone["district"] == "新北區" and milestone["quarter"] == "Q3"
    assert (milestone["line_start"], milestone["line_end"]) == chunks["reform-7-q3"].lines


def test_dense_passages_drop_the_heading_their_kind_shares(plan: Plan) -> None:
    passages = passage_texts(build_chunks(plan))
    assert passages["task-3-3"].startswith("序号3 深化养老服务改革发展 · 主要内容: 新增53个老年助餐点")
    assert passages["reform-7-q3"].startswith("序号7 · 新北区 · 改革事项:")
    assert passages["meta"].startswith("文件信息")  # a kind of one keeps everything


def test_chroma_url_parsing() -> None:
    assert parse_chroma_url("http://127.0.0.1:8123") == ("127.0.0.1", 8123, False)
    assert parse_chroma_url("https://chroma.example.org") == ("chroma.example.org", 443, True)
    assert parse_chroma_url("localhost") == ("localhost", 8000, False)
    with pytest.raises(InputError):
        parse_chroma_url("ftp://host")


# ---- search -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [
        ("新北区三季度改革进度", "新北區三季度改革進度"),
        ("老年助餐点建设", "老年助餐點建設"),
        ("社会组织等级评估", "社會組織等級評估"),
        ("养老护理员培训", "養老護理員培訓"),
        ("婚姻登记服务", "婚姻登記服務"),
        ("殡葬改革", "殯葬改革"),
        ("溧阳市福彩销售目标", "溧陽市福彩銷售目標"),
    ],
)
def test_simplified_and_traditional_queries_give_the_same_top5(
    retriever: HybridRetriever, simplified: str, traditional: str
) -> None:
    a = retriever.search(simplified, k=5)
    b = retriever.search(traditional, k=5)
    assert [h.id for h in a] == [h.id for h in b]
    assert [h.score for h in a] == pytest.approx([h.score for h in b])
    assert not retriever.degraded


def test_xinbei_q3_reform_progress_finds_both_reform_rows(retriever: HybridRetriever) -> None:
    top = [h.id for h in retriever.search("新北区三季度改革进度", k=5)]
    assert {"reform-7-q3", "reform-8-q3"} <= set(top)


def test_english_meal_points_question_finds_the_meal_point_task(retriever: HybridRetriever) -> None:
    hits = retriever.search("Which district has the most meal points", k=5)
    assert "task-3-3" in [h.id for h in hits]


def test_hits_carry_chunk_fields_and_both_retrievers_ranks(retriever: HybridRetriever) -> None:
    hit = next(h for h in retriever.search("新北区三季度改革进度", k=5) if h.id == "reform-7-q3")
    assert hit.kind == "milestone" and hit.district == "新北區" and hit.quarter == "Q3"
    assert hit.text == retriever.chunks["reform-7-q3"].text
    assert set(hit.sources) == {"bm25", "dense"}


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_district_filter_narrows_reform_rows_but_keeps_tasks(retriever: HybridRetriever, mode: str) -> None:
    hits = retriever.search("老年助餐点 养老服务", k=12, district="新北区", mode=mode)  # type: ignore[arg-type]
    assert hits
    assert {h.district for h in hits if h.district} == {"新北區"}
    assert any(h.kind == "task" for h in hits), "tasks carry every district and must stay reachable"


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_quarter_and_kind_filters(retriever: HybridRetriever, mode: str) -> None:
    hits = retriever.search("改革进度", k=10, quarter="三季度", kinds=["milestone"], mode=mode)  # type: ignore[arg-type]
    assert hits and {(h.kind, h.quarter) for h in hits} == {("milestone", "Q3")}


def test_district_aliases_resolve_and_unknown_ones_are_refused(retriever: HybridRetriever) -> None:
    assert retriever.resolve_district("Xinbei") == retriever.resolve_district("新北区") == "新北區"
    with pytest.raises(InputError):
        retriever.search("养老", district="北京")
    with pytest.raises(InputError):
        retriever.search("   ")


# ---- index build --------------------------------------------------------------------------------

@pytest.fixture
def own_index(tmp_path: Path, retriever: HybridRetriever, settings: Settings, plan: Plan):  # type: ignore[no-untyped-def]
    """A private index dir whose embeddings share the session's vector cache (warm after `retriever`)."""
    private = Settings(index_dir=tmp_path)
    e5 = E5Embeddings()
    embeddings = CachedEmbeddings(e5, settings.embedding_cache_path, e5.model_id)
    chunks = build_chunks(plan)
    first = build_index(private, chunks, embeddings=embeddings)
    assert first.rebuilt and first.upserted == len(chunks) and embeddings.misses == 0
    embeddings.reset_counters()
    return private, chunks, embeddings


def test_warm_rebuild_embeds_nothing(own_index) -> None:  # type: ignore[no-untyped-def]
    private, chunks, embeddings = own_index
    stats = build_index(private, chunks, embeddings=embeddings)
    assert not stats.changed and stats.embedded == 0 and stats.unchanged == len(chunks)
    assert embeddings.hits == embeddings.misses == 0, "not even a cache lookup"


def test_changed_chunk_is_the_only_one_re_embedded_and_removed_ones_are_deleted(own_index) -> None:  # type: ignore[no-untyped-def]
    private, chunks, embeddings = own_index
    changed = [c.model_copy(update={"text": c.text + " 補充說明:測試用新增文字。"}) if c.id == "task-3-3" else c
               for c in chunks]
    stats = build_index(private, changed, embeddings=embeddings)
    assert (stats.rebuilt, stats.upserted, stats.deleted, stats.embedded) == (False, 1, 0, 1)
    assert embeddings.misses == 1
    edited = next(c for c in changed if c.id == "task-3-3")
    expected = chunk_hash(edited, passage_texts(changed)["task-3-3"])
    assert read_manifest(private).chunks["task-3-3"] == expected  # type: ignore[union-attr]

    stats = build_index(private, [c for c in changed if c.id != "sec-notice"], embeddings=embeddings)
    assert (stats.upserted, stats.deleted, stats.embedded) == (0, 1, 0)
    assert "sec-notice" not in read_manifest(private).chunks  # type: ignore[union-attr]


def test_embedding_model_change_in_manifest_rebuilds_everything(own_index) -> None:  # type: ignore[no-untyped-def]
    private, chunks, embeddings = own_index
    path = manifest_path(private)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["model_id"] = "st/some-other-model"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    stats = build_index(private, chunks, embeddings=embeddings)
    assert stats.rebuilt and stats.upserted == stats.embedded == len(chunks)
    assert read_manifest(private).model_id == embeddings.model_id  # type: ignore[union-attr]


def test_missing_manifest_trusts_the_collection_and_re_embeds_nothing(own_index) -> None:  # type: ignore[no-untyped-def]
    private, chunks, embeddings = own_index
    manifest_path(private).unlink()
    stats = build_index(private, chunks, embeddings=embeddings)
    assert not stats.changed and stats.embedded == 0 and read_manifest(private) is not None


def test_index_built_with_another_model_is_refused_at_query_time(own_index) -> None:  # type: ignore[no-untyped-def]
    private, _, embeddings = own_index
    other = CachedEmbeddings(embeddings.inner, embeddings.cache_path, "st/some-other-model")
    with pytest.raises(IndexMissingError, match="assistant ingest"):
        VectorIndex(private, embeddings=other).connect()


def test_retriever_survives_a_rebuild_of_the_collection(own_index, plan: Plan) -> None:  # type: ignore[no-untyped-def]
    private, chunks, embeddings = own_index
    vector = VectorIndex(private, embeddings=embeddings)
    before = vector.search("老年助餐点", 3)
    path = manifest_path(private)  # a model change forces drop-and-rebuild: the open handle goes stale
    path.write_text(path.read_text(encoding="utf-8").replace(embeddings.model_id, "st/another"), encoding="utf-8")
    assert build_index(private, chunks, embeddings=embeddings).rebuilt
    after = vector.search("老年助餐点", 3)
    assert [cid for cid, _ in after] == [cid for cid, _ in before]
    assert [score for _, score in after] == pytest.approx([score for _, score in before])


# ---- no torch -----------------------------------------------------------------------------------

def test_import_and_search_cli_load_neither_torch_nor_onnxruntime(retriever: HybridRetriever, index_dir: Path) -> None:
    script = (
        "import sys, json\n"
        "import assistant\n"
        "before = 'torch' in sys.modules\n"
        "from assistant.cli import app\n"
        "try:\n"
        "    app(['search', '--json', '--k', '3', '新北区三季度改革进度'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "loaded = {'search': 'torch' in sys.modules, 'onnx': 'onnxruntime' in sys.modules}\n"
        "sys.stderr.write(json.dumps({'import': before, **loaded}))\n"
    )
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    env.pop("ASSISTANT_CHROMA_URL", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    # onnxruntime would mean Chroma ran its default embedding function (which downloads a model).
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"import": False, "search": False, "onnx": False}
    hits = json.loads(done.stdout)["hits"]
    assert set(hits[0]) == {"id", "text", "score", "kind", "district", "quarter", "lines"}
    assert {"reform-7-q3", "reform-8-q3"} <= {h["id"] for h in hits}


# ---- evaluation ---------------------------------------------------------------------------------

@pytest.mark.skipif(not EVAL_FILE.exists(), reason="eval/retrieval.jsonl not written yet")
def test_retrieval_eval_meets_targets(retriever: HybridRetriever) -> None:
    rows = load_rows(EVAL_FILE)
    assert len(rows) >= 130
    assert unknown_ids(rows, set(retriever.chunks)) == {}, "every relevant id must name a chunk"
    report = evaluate(retriever, rows, k=5)
    hybrid = report["modes"]["hybrid"]
    assert not report["degraded"]
    assert hybrid["overall"]["hit"] >= THRESHOLDS["hit"], report["misses"]["hybrid"]
    assert hybrid["overall"]["mrr"] >= THRESHOLDS["mrr"]
    for language, figures in hybrid["by_language"].items():
        assert figures["hit"] >= THRESHOLDS["language_hit"], (language, figures)
    assert report["gate"]["passed"], report["gate"]["reasons"]


def test_chunks_round_trip_through_the_store(retriever: HybridRetriever, store, plan: Plan) -> None:  # type: ignore[no-untyped-def]
    chunks: list[Chunk] = build_chunks(plan)
    assert store.load_chunks() == chunks
    assert store.write_chunks(chunks) is False


# ---- exact, repeatable dense search --------------------------------------------------------------

DENSE_QUERIES = ["什么时候完成区级验收?", "老年助餐点建设有什么要求?", "What is Xinbei's Q3 reform milestone?", "福彩销量"]


def test_dense_ranking_is_the_exact_cosine_order_over_every_stored_vector(retriever: HybridRetriever) -> None:
    """Chroma's default HNSW search is approximate and varied between processes; ours must be exact."""
    import numpy as np

    from assistant.index import query_text

    vector = retriever.vector_index
    assert vector is not None
    vector.connect()
    stored = vector._store._collection.get(include=["embeddings"])  # type: ignore[union-attr]
    matrix = np.asarray(stored["embeddings"], dtype=np.float64)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    for query in DENSE_QUERIES:
        prepared = prepare_query(query)
        got = vector.search(prepared, len(retriever.chunks))
        q = np.asarray(vector.embeddings.embed_query(query_text(prepared)), dtype=np.float64)
        exact = dict(zip(stored["ids"], (matrix @ q).tolist(), strict=True))
        assert {cid for cid, _ in got} == set(exact), "every chunk is ranked"
        assert [score for _, score in got] == pytest.approx([exact[cid] for cid, _ in got], abs=1e-5)
        scores = [score for _, score in got]
        assert all(a >= b - 1e-6 for a, b in zip(scores, scores[1:], strict=False)), "best first"


@pytest.mark.parametrize(("district", "quarter", "kinds"), [
    ("新北區", None, None), (None, "Q3", None), (None, None, ["task"]), ("金壇區", "Q2", ["milestone", "reform_target"]),
])
def test_memoised_dense_ranking_filters_like_chroma_where(
    retriever: HybridRetriever, district: str | None, quarter: str | None, kinds: list[str] | None
) -> None:
    assert retriever.dense_pool is not None, "the embedded store ranks every chunk once per query"
    vector = retriever.vector_index
    assert vector is not None
    for query in DENSE_QUERIES:
        prepared = prepare_query(query)
        pooled = retriever.dense(prepared, 20, district, quarter, kinds)
        direct = vector.search(prepared, 20, retriever.where(district, quarter, kinds))
        assert pooled and [cid for cid, _ in pooled] == [cid for cid, _ in direct]


def test_bm25_scores_equal_the_library_scores(retriever) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from assistant.text import tokenize

    bm25 = retriever.bm25
    for query in ("新北区助餐点", "養老服務 养老 养老", "What is Xinbei's Q3 milestone?", "无关的词"):
        tokens = tokenize(query)
        assert np.array_equal(bm25.scores(tokens), bm25.bm25.get_scores(tokens))


def test_a_long_query_is_searched_by_its_opening_only(retriever) -> None:  # type: ignore[no-untyped-def]
    limit = retriever.settings.max_query_chars
    opening = "新北区养老服务助餐点建设进度" * (limit // 14 + 1)
    long = (opening[:limit] + "婚姻登记殡葬改革" * 300)[:2000]
    assert retriever.rankings(long) == retriever.rankings(long[:limit])
