"""The optional LLM rewrite: accepted only when it keeps to the evidence (fake chat models, no network)."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.config import Settings
from assistant.llm import LLMRewriter, build_prompt
from assistant.models import Answer, Citation


def draft() -> Answer:
    return Answer(
        answer="新北区：192张（「新建1300张家庭养老床位」）[1]\n来源：[1] 附件1 · 序号3 · 新建1300张家庭养老床位 · 新北区",
        answerable=True,
        route="lookup",
        citations=[Citation(id="task-3-1", label="附件1 · 序号3 · 新建1300张家庭养老床位 · 新北区",
                            text="新北區 192張", location="plan.txt:L196-L212")],
    )


def test_faithful_rewrite_is_accepted_and_keeps_sources() -> None:
    model = FakeListChatModel(responses=["新北区需要新建家庭养老床位192张 [1]。"])
    out = LLMRewriter(model).rewrite("新北区要建多少张家庭养老床位?", draft())
    assert out.answer.startswith("新北区需要新建家庭养老床位192张 [1]。")
    assert "来源：[1]" in out.answer and out.flags == ["llm"]


def test_invented_number_is_rejected_and_extractive_answer_returned() -> None:
    model = FakeListChatModel(responses=["新北区需要新建家庭养老床位200张 [1]。"])
    out = LLMRewriter(model).rewrite("新北区要建多少张家庭养老床位?", draft())
    assert out.answer == draft().answer
    assert out.flags and out.flags[0].startswith("llm_rejected") and "200" in out.flags[0]


def test_unknown_citation_marker_is_rejected() -> None:
    model = GenericFakeChatModel(messages=iter([AIMessage(content="新北区192张 [3]")]))
    out = LLMRewriter(model).rewrite("q", draft())
    assert "unknown sources [3]" in out.flags[0]


def test_abstentions_are_never_sent_to_the_model() -> None:
    model = FakeListChatModel(responses=["should not be used"])
    abstain = Answer(answer="计划中没有写明这个问题的答案。", answerable=False, route="abstain")
    assert LLMRewriter(model).rewrite("q", abstain) is abstain


def test_prompt_holds_only_question_draft_and_evidence() -> None:
    messages = build_prompt("新北区要建多少张家庭养老床位?", draft())
    text = "\n".join(str(m.content) for m in messages)
    assert "[1] 附件1 · 序号3" in text and "新北區 192張" in text
    assert "溧陽市" not in text


def test_no_endpoint_means_no_rewriter() -> None:
    assert LLMRewriter.from_settings(Settings(llm_base_url=None)) is None


def test_endpoint_builds_a_chat_openai_client_without_calling_it() -> None:
    rewriter = LLMRewriter.from_settings(Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m"))
    assert rewriter is not None and type(rewriter.model).__name__ == "ChatOpenAI"


def test_unreachable_endpoint_falls_back_with_a_flag() -> None:
    rewriter = LLMRewriter.from_settings(Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m"))
    assert rewriter is not None
    out = rewriter.rewrite("q", draft())
    assert out.answer == draft().answer and out.flags == ["llm_unavailable"]
