"""The answer cache: same conversation, same answer without the work; degraded answers never kept."""

from __future__ import annotations

import pytest

from assistant.answer_cache import AnswerCache, conversation_key
from assistant.config import Settings
from assistant.models import Answer, ChatMessage
from assistant.service import Assistant


@pytest.fixture(scope="module")
def assistant(settings: Settings, retriever) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant.load(settings.model_copy(update={"answer_cache_size": 4}), build_if_missing=False)


def test_a_repeated_conversation_is_answered_from_the_cache(assistant: Assistant) -> None:
    history = [ChatMessage(role="user", content="新北区三季度的改革进度?"), ChatMessage(role="assistant", content="…")]
    first = assistant.ask("那金坛呢?", history)
    hits = assistant.answers.hits
    again = assistant.ask("那金坛呢?", history)
    assert assistant.answers.hits == hits + 1
    assert again == first and again.answer.startswith("金坛区") and again.answerable
    # The same words after other turns are another conversation, answered afresh.
    other = assistant.ask("那金坛呢?", [ChatMessage(role="user", content="金坛区要建多少张家庭养老床位?")])
    assert assistant.answers.hits == hits + 1 and other.answer != first.answer


def test_callers_get_copies_and_the_cache_stays_bounded(assistant: Assistant) -> None:
    answer = assistant.ask("哪个区助餐点最多?")
    answer.citations.clear()
    assert assistant.ask("哪个区助餐点最多?").citations, "changing a returned answer does not change the cache"
    for q in ("溧阳市助餐点?", "金坛区助餐点?", "武进区助餐点?", "新北区助餐点?", "天宁区助餐点?"):
        assistant.ask(q)
    assert len(assistant.answers) == assistant.answers.size == 4


def test_degraded_answers_are_not_kept_and_size_zero_keeps_nothing() -> None:
    key = conversation_key("q", None)
    cache = AnswerCache(8)
    cache.put(key, Answer(answer="BM25 only", answerable=True, route="retrieval", degraded=True))
    assert cache.get(key) is None and len(cache) == 0
    off = AnswerCache(0)
    off.put(key, Answer(answer="full", answerable=True, route="retrieval"))
    assert off.get(key) is None and off.misses == 1


def test_the_look_before_the_full_path_counts_a_miss_once(assistant: Assistant) -> None:
    messages = [ChatMessage(role="user", content="武进区要建多少张家庭养老床位?")]
    misses, hits = assistant.answers.misses, assistant.answers.hits
    assert assistant.cached_chat(messages) is None
    first = assistant.chat(messages)
    assert (assistant.answers.misses, assistant.answers.hits) == (misses + 1, hits)
    assert assistant.cached_chat(messages) == first
    assert (assistant.answers.misses, assistant.answers.hits) == (misses + 1, hits + 1)
