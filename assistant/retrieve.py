"""Hybrid retrieval: BM25 over jieba tokens + dense vectors from Chroma, fused by reciprocal rank.

Both sides see a question in one matching form (`text.normalize`: Simplified, half-width, lower case),
so the same question in Traditional or Simplified finds the same chunks; English questions are first
expanded with the plan's Chinese terms (`lexicon.expand_english`), since the document is Chinese.

Filters follow one rule: a filter on a field excludes only chunks that *have* that field with another
value. Body paragraphs and task rows carry no district (a task row covers every district), so a district
filter keeps them reachable and narrows only reform targets and milestones.

When the Chroma server is down, search carries on with BM25 alone and says so (`degraded`).

With the embedded store (this process owns it, and a rebuild replaces the retriever), the dense
ranking of every chunk is fetched once per query text and kept (`dense_pool`): one answer searches
the same question under several filters, and those are applied here as BM25's are. Against a Chroma
server every search asks the server, so an outage or a rebuild there is seen at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from rank_bm25 import BM25Okapi

from assistant.chunks import Chunk
from assistant.errors import BackendUnavailableError, IndexMissingError, InputError
from assistant.lexicon import expand_english, find_districts, resolve_quarter, vocabulary
from assistant.models import Hit
from assistant.text import detect_language, normalize, strip_controls, tokenize

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.index import VectorIndex

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "bm25", "dense"]
CANDIDATES = 50
"""How deep each retriever's ranking goes before fusion (the whole plan has ~150 chunks)."""
POOL_LIMIT = 2000
"""Rank every chunk at once (and memoise it) only up to this many chunks; larger plans filter in Chroma."""
POOL_MEMO = 512
"""Query texts whose full dense ranking is kept in memory (146 pairs each for this plan)."""
BM25_MEMO = 256
"""Queries whose full BM25 ranking is kept (a few per question; a conversation repeats its topic)."""


def fuse(
    rankings: Sequence[Sequence[str]],
    k_rrf: int = 60,
    limit: int | None = None,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: score(id) = Σ weight_i / (k_rrf + rank_i), ranks counted from 1.

    Ties go to the id with the better single best rank, then to the earlier ranking: the order is
    fully determined by the inputs.
    """
    if weights is not None and len(weights) != len(rankings):
        raise InputError(f"fuse got {len(rankings)} rankings but {len(weights)} weights")
    scores: dict[str, float] = {}
    best: dict[str, tuple[int, int]] = {}
    for i, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[i]
        for rank, item in enumerate(dict.fromkeys(ranking), start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k_rrf + rank)
            best[item] = min(best.get(item, (rank, i)), (rank, i))
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], best[kv[0]]))
    return ordered[:limit] if limit is not None else ordered


class BM25Index:
    """Okapi BM25 over `text.tokenize` of each chunk, in memory (rebuilt from SQLite in milliseconds)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        """Tokenise every chunk once."""
        if not chunks:
            raise IndexMissingError("there are no chunks to index; run `assistant ingest`")
        self.ids = [c.id for c in chunks]
        self.bm25 = BM25Okapi([tokenize(c.text) for c in chunks])
        self._doc_len = np.array(self.bm25.doc_len)
        self._terms: dict[str, np.ndarray | None] = {}

    def term_scores(self, term: str) -> np.ndarray | None:
        """One term's BM25 contribution to every chunk (None for a term no chunk has), memoised.

        The same arithmetic as `BM25Okapi.get_scores` per query term, computed once per term instead of
        once per question with a Python loop over every chunk: scores are identical, at a fraction of
        the cost (it was a quarter of a new question's Python time).
        """
        if term not in self._terms:
            bm = self.bm25
            if term not in bm.idf:
                self._terms[term] = None
            else:
                q_freq = np.array([(doc.get(term) or 0) for doc in bm.doc_freqs])
                self._terms[term] = (bm.idf.get(term) or 0) * (
                    q_freq * (bm.k1 + 1) / (q_freq + bm.k1 * (1 - bm.b + bm.b * self._doc_len / bm.avgdl)))
        return self._terms[term]

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 scores of every chunk for the query tokens (repeats count, as in `BM25Okapi`)."""
        score = np.zeros(len(self.ids))
        for term in tokens:
            vector = self.term_scores(term)
            if vector is not None:
                score += vector
        return score

    def search(self, query: str, limit: int = CANDIDATES, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; chunks sharing no token with the query are left out."""
        ranked = self._ranked(query)
        if allowed is None:
            return list(ranked[:limit])
        return [pair for pair in ranked if pair[0] in allowed][:limit]

    @lru_cache(maxsize=BM25_MEMO)  # noqa: B019 - one index per loaded plan, dropped with it
    def _ranked(self, query: str) -> tuple[tuple[str, float], ...]:
        """Every matching chunk for a query, best first, memoised: one answer searches the same topic
        several times with different filters (tasks only, milestones only), and only the filter differs."""
        tokens = tokenize(query)
        if not tokens:
            return ()
        scores = self.scores(tokens)
        ranked = [(cid, float(s)) for cid, s in zip(self.ids, scores, strict=True) if s > 0]
        ranked.sort(key=lambda kv: -kv[1])  # stable: equal scores keep document order
        return tuple(ranked)


def prepare_query(query: str) -> str:
    """The query both retrievers see: English gets the plan's Chinese terms appended; others are kept.

    Chinese questions are not expanded: expansion adds names in the plan's (Traditional) form only when
    the question lacks them literally, which would make 吴中区 and 吳中區 questions differ.
    """
    return expand_english(query) if detect_language(query) == "en" else query


_PIECE = re.compile(r"[\u3400-\u9fff]|[A-Za-z0-9]+|[^\sA-Za-z0-9\u3400-\u9fff]")


def encoder_view(text: str, max_tokens: int) -> str:
    """The start of a query, about `max_tokens` encoder tokens long (a Han character or a word is about one).

    The encoder's cost grows with the sequence: a question's terms come first, and a 300-character
    paste would otherwise cost a third of a second on one core.
    """
    count = 0
    for m in _PIECE.finditer(text):
        count += 1
        if count > max_tokens:
            return text[: m.start()]
    return text


class HybridRetriever:
    """BM25 + dense retrieval with metadata filters; `degraded` is True while only BM25 is available."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        bm25: BM25Index,
        vector_index: VectorIndex | None,
        settings: Settings,
    ) -> None:
        """Keep the chunks by id; learn which kinds carry a district / quarter from the data itself."""
        self.chunks = {c.id: c for c in chunks}
        self.bm25 = bm25
        self.vector_index = vector_index
        self.settings = settings
        self.degraded = vector_index is None
        self.districts = sorted({c.district for c in chunks if c.district})
        self.district_kinds = sorted({c.kind for c in chunks if c.district})
        self.quarter_kinds = sorted({c.kind for c in chunks if c.quarter})
        pooled = vector_index is not None and not settings.chroma_url and len(chunks) <= POOL_LIMIT
        self.dense_pool = lru_cache(maxsize=POOL_MEMO)(self._rank_all) if pooled else None

    # ---- filters -----------------------------------------------------------------------------
    def resolve_district(self, district: str) -> str:
        """The plan's spelling of a district named in any script or alias (吴中区, Wuzhong → 吳中區)."""
        if district in self.districts:
            return district
        by_norm = {normalize(d): d for d in self.districts}
        found = by_norm.get(normalize(district)) or next(iter(find_districts(district)), None)
        if found is not None and found not in self.districts and found in vocabulary().units:
            return found  # a unit of the plan that only its task table names: no chunk is filtered by it
        if found is None or found not in self.districts:
            raise InputError(f"unknown district {district!r}; the plan's districts are {'、'.join(self.districts)}")
        return found

    def allowed(self, district: str | None, quarter: str | None, kinds: Sequence[str] | None) -> set[str] | None:
        """Ids passing the filters (None: no filter)."""
        if district is None and quarter is None and not kinds:
            return None
        return {
            c.id
            for c in self.chunks.values()
            if (not kinds or c.kind in kinds)
            and (district is None or c.district is None or c.district == district)
            and (quarter is None or c.quarter is None or c.quarter == quarter)
        }

    def where(self, district: str | None, quarter: str | None, kinds: Sequence[str] | None) -> dict[str, Any] | None:
        """The same filters as a Chroma `where` (Chroma cannot test for a missing key, so use `kind`)."""
        clauses: list[dict[str, Any]] = []
        if kinds:
            clauses.append({"kind": {"$in": list(kinds)}})
        if district is not None:
            clauses.append({"$or": [{"district": district}, {"kind": {"$nin": self.district_kinds}}]})
        if quarter is not None:
            clauses.append({"$or": [{"quarter": quarter}, {"kind": {"$nin": self.quarter_kinds}}]})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    # ---- search ------------------------------------------------------------------------------
    def rankings(
        self,
        query: str,
        district: str | None = None,
        quarter: str | None = None,
        kinds: Sequence[str] | None = None,
        depth: int = CANDIDATES,
        modes: Sequence[str] = ("bm25", "dense"),
    ) -> dict[str, list[tuple[str, float]]]:
        """Each retriever's own ranking (id, score) for a query; "dense" is missing when unavailable.

        Only the first `max_query_chars` characters are searched for: the encoder's and BM25's cost grow
        with the text, and a question's terms come first (a 2,000-character question cost seconds).
        """
        query = query[: self.settings.max_query_chars]
        if district is not None:
            district = self.resolve_district(district)
        if quarter is not None:
            quarter = resolve_quarter(quarter)
        prepared = prepare_query(query)
        out: dict[str, list[tuple[str, float]]] = {}
        if "bm25" in modes:
            out["bm25"] = self.bm25.search(prepared, depth, self.allowed(district, quarter, kinds))
        if "dense" in modes and self.vector_index is not None:
            try:
                encoded = self._encoder_text(prepared)
                out["dense"] = self.dense(encoded, depth, district, quarter, kinds)
                self.degraded = False
            except BackendUnavailableError as exc:
                if not self.degraded:
                    logger.warning("dense retrieval unavailable, using BM25 only: %s", exc)
                self.degraded = True
        return out

    def _encoder_text(self, prepared: str) -> str:
        """What the encoder reads of a query: about `max_encoder_tokens` by a piece count, then by the
        model's own tokenizer when it has one (the bundled e5 does)."""
        assert self.vector_index is not None
        budget = self.settings.max_encoder_tokens
        encoded = encoder_view(prepared, budget)
        fit = getattr(self.vector_index.embeddings, "fit_query", None)
        return fit(encoded, budget) if fit is not None and len(encoded) > budget else encoded

    def _rank_all(self, prepared: str) -> tuple[tuple[str, float], ...]:
        """Every chunk by cosine similarity to the query (exact: see `chroma.open_store`)."""
        assert self.vector_index is not None
        return tuple(self.vector_index.search(prepared, len(self.chunks)))

    def dense(
        self, prepared: str, depth: int, district: str | None, quarter: str | None, kinds: Sequence[str] | None
    ) -> list[tuple[str, float]]:
        """The dense ranking under the filters: from the memoised full ranking, or from Chroma's `where`."""
        assert self.vector_index is not None
        # Ids this retriever does not know are dropped: a store shared with another process may be a
        # rebuild ahead of (or behind) the chunks loaded here until this worker follows the new generation.
        if self.dense_pool is None:
            found = self.vector_index.search(prepared, depth, self.where(district, quarter, kinds))
            return [pair for pair in found if pair[0] in self.chunks]
        allowed = self.allowed(district, quarter, kinds)
        ranked = self.dense_pool(prepared)
        return [pair for pair in ranked if pair[0] in self.chunks and (allowed is None or pair[0] in allowed)][:depth]

    def search(
        self,
        query: str,
        k: int = 8,
        district: str | None = None,
        quarter: str | None = None,
        kinds: Sequence[str] | None = None,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        """The k best chunks for a query, fused from BM25 and dense rankings (or one of them, by `mode`)."""
        query = strip_controls(query or "")  # a NUL would cut the query short inside OpenCC and the encoder
        if not query.strip():
            raise InputError("the search query is empty")
        modes = ("bm25", "dense") if mode == "hybrid" else (mode,)
        ranked = self.rankings(query, district, quarter, kinds, max(k, CANDIDATES), modes)
        ranks = {name: {cid: i for i, (cid, _) in enumerate(r, start=1)} for name, r in ranked.items()}
        if mode == "hybrid":
            scored = fuse([[cid for cid, _ in r] for r in ranked.values()], self.settings.rrf_k, k)
        else:
            scored = ranked.get(mode, [])[:k]
        return [self._hit(cid, score, ranks) for cid, score in scored]

    def _hit(self, cid: str, score: float, ranks: dict[str, dict[str, int]]) -> Hit:
        c = self.chunks[cid]
        sources = {name: r[cid] for name, r in ranks.items() if cid in r}
        return Hit(
            id=c.id, text=c.text, score=score, kind=c.kind, district=c.district, quarter=c.quarter,
            lines=c.lines, sources=sources,
        )


def load_retriever(settings: Settings, embeddings: Any = None) -> HybridRetriever:
    """The retriever over the built index: chunks from plan.sqlite, BM25 in memory, vectors in Chroma.

    A Chroma server that is down at start-up is not fatal (search degrades to BM25 and reconnects
    later); a missing or mismatched vector index is (IndexMissingError: run `assistant ingest`).
    """
    from assistant.index import VectorIndex
    from assistant.store import PlanStore

    store = PlanStore(settings.sqlite_path)
    chunks = store.load_chunks()
    if not chunks:
        raise IndexMissingError(f"{settings.sqlite_path} has no chunks yet; run `assistant ingest`")
    # Questions are read with the indexed plan's names and BM25 tokenises with its words, also when the
    # retriever is loaded on its own (`assistant search`, `assistant eval-retrieval`).
    from assistant.lexicon import Vocabulary, use_vocabulary

    use_vocabulary(Vocabulary.from_plan(store.load_plan()))
    vector = VectorIndex(settings, embeddings)  # a library's plans share one encoder
    retriever = HybridRetriever(chunks, BM25Index(chunks), vector, settings)
    try:
        vector.connect()
    except BackendUnavailableError as exc:
        logger.warning("starting with BM25 only: %s", exc)
        retriever.degraded = True
    return retriever
