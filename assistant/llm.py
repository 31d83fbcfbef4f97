"""Optional LLM rewrite of an extractive answer, verified before it is shown.

The model sees only the question, the extractive draft and the cited evidence. Its reply is accepted
only if every number in it occurs in the evidence (or in arithmetic it shows correctly) and every [n]
marker names a citation that exists; otherwise the extractive answer is returned with a flag.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.errors import BackendUnavailableError
from assistant.models import Answer
from assistant.verify import unsupported_numbers

if TYPE_CHECKING:  # LangChain's chat models take ~0.4 s to import; only a configured LLM needs them
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)
MARKER = re.compile(r"\[(\d+)\]")
SYSTEM = (
    "You rewrite a draft answer about a government work plan so it reads naturally. Use ONLY the numbered "
    "evidence. Keep every number exactly as written in the evidence, keep the [n] citation markers after the "
    "facts they support, add no facts, and answer in the language and script of the question. If the draft "
    "says the plan does not answer the question, say the same."
)


def build_prompt(question: str, draft: Answer) -> list:  # type: ignore[type-arg]
    """System + user messages holding only the question, the draft and the cited evidence."""
    evidence = "\n".join(f"[{i}] {c.label}: {c.text}" for i, c in enumerate(draft.citations, start=1))
    body = f"Question: {question}\n\nEvidence:\n{evidence}\n\nDraft answer:\n{draft.answer}"
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content=SYSTEM), HumanMessage(content=body)]


def check_reply(reply: str, draft: Answer) -> list[str]:
    """Reasons to reject the reply: unknown citation markers, numbers not in the evidence."""
    problems = []
    bad_markers = sorted({int(n) for n in MARKER.findall(reply) if not 1 <= int(n) <= len(draft.citations)})
    if bad_markers:
        problems.append(f"cites unknown sources {bad_markers}")
    if draft.citations and not MARKER.search(reply):
        problems.append("drops every citation")
    invented = unsupported_numbers(Answer(answer=reply, answerable=True, route="llm", citations=draft.citations))
    if invented:
        problems.append(f"numbers not in the evidence: {', '.join(invented)}")
    return problems


class LLMRewriter:
    """Wraps any LangChain chat model; the default construction talks to an OpenAI-compatible endpoint."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMRewriter | None:
        """None when no endpoint is configured (the extractive answerer is the default)."""
        if not settings.llm_base_url:
            return None
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise BackendUnavailableError(
                "ASSISTANT_LLM_BASE_URL is set but langchain-openai is missing: pip install -e '.[llm]'"
            ) from exc
        model = ChatOpenAI(
            base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key or "none",
            temperature=0, timeout=30, max_retries=1,
        )
        return cls(model)

    def rewrite(self, question: str, draft: Answer) -> Answer:
        """The verified rewrite, or the draft with a flag saying why it was kept."""
        if not draft.answerable or draft.route == "refused":
            return draft
        try:
            reply = self.model.invoke(build_prompt(question, draft))
        except Exception as exc:  # noqa: BLE001 - any endpoint failure falls back to the extractive answer
            log.warning("LLM call failed: %s", exc)
            return draft.model_copy(update={"flags": [*draft.flags, "llm_unavailable"]})
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        problems = check_reply(text, draft)
        if problems:
            log.info("LLM reply rejected: %s", "; ".join(problems))
            return draft.model_copy(update={"flags": [*draft.flags, "llm_rejected: " + "; ".join(problems)]})
        footer = next((ln for ln in draft.answer.splitlines() if ln.startswith(("来源", "來源", "Sources"))), "")
        answer = text.strip() + (f"\n{footer}" if footer and footer not in text else "")
        return draft.model_copy(update={"answer": answer, "flags": [*draft.flags, "llm"]})
