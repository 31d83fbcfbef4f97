"""The HTTP service, over real HTTP against `assistant serve` on loopback (the `live_server` fixture)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import BadRequestError, OpenAI

pytestmark = pytest.mark.server

XINBEI_Q3 = "新北区第三季度的改革进度?"


@pytest.fixture(scope="module")
def http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def openai_client(live_server: str) -> OpenAI:
    return OpenAI(base_url=f"{live_server}/v1", api_key="x", max_retries=0)


def chat(http: httpx.Client, *messages: tuple[str, str]) -> httpx.Response:
    return http.post("/api/chat", json={"messages": [{"role": r, "content": c} for r, c in messages]})


def sse_events(response: httpx.Response) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body; multi-line data joined with newlines."""
    events: list[tuple[str, str]] = []
    event, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                events.append((event, "\n".join(data)))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[len("event:"):].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:"):].removeprefix(" "))
    if data:
        events.append((event, "\n".join(data)))
    return events


def assert_error(response: httpx.Response, status: int, kind: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"].strip()
    if kind:
        assert error["type"] == kind, error
    return error


# ---- probes -----------------------------------------------------------------------------------

def test_healthz_is_ok(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_200_once_the_assistant_is_loaded(http: httpx.Client) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


# ---- chat -------------------------------------------------------------------------------------

def test_chat_answers_xinbei_q3_with_both_reform_rows_cited(http: httpx.Client) -> None:
    response = chat(http, ("user", XINBEI_Q3))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answerable"] is True
    assert "牡丹物业" in body["answer"] and "来源" in body["answer"]
    assert {"reform-7-q3", "reform-8-q3"} <= {c["id"] for c in body["citations"]}
    assert any(c["label"].startswith("附件2 · 序号7") for c in body["citations"])
    assert set(body["citations"][0]) == {"id", "label", "text", "location"}


def test_chat_follow_up_reads_the_history(http: httpx.Client) -> None:
    first = chat(http, ("user", XINBEI_Q3)).json()["answer"]
    body = chat(http, ("user", XINBEI_Q3), ("assistant", first), ("user", "那第四季度呢?")).json()
    assert "四季度" in body["answer"]
    assert "reform-7-q4" in {c["id"] for c in body["citations"]}


def test_chat_stream_sends_segments_then_the_whole_answer(http: httpx.Client) -> None:
    payload = {"messages": [{"role": "user", "content": XINBEI_Q3}]}
    with http.stream("POST", "/api/chat/stream", json=payload) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"segment"} and len(names) > 3
    done = json.loads(events[-1][1])
    assert "".join(json.loads(data)["text"] for _, data in events[:-1]) == done["answer"]
    assert "牡丹物业" in done["answer"]
    assert {"reform-7-q3", "reform-8-q3"} <= {c["id"] for c in done["citations"]}


def test_concurrent_chats_are_all_answered(live_server: str) -> None:
    questions = ["新北区第三季度的改革进度?", "哪个区助餐点最多?", "冬暖夏凉送电项目谁负责?", "新北區第三季度的改革進度?",
                 "What is Xinbei's Q3 reform milestone?", "天宁区的改革事项有哪些?"] * 3

    def ask(question: str) -> int:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            return chat(client, ("user", question)).status_code

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        assert list(pool.map(ask, questions)) == [200] * len(questions)


def test_openai_client_non_stream_gets_the_answer_and_citations(openai_client: OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="plan-assistant",
        messages=[{"role": "system", "content": "You are helpful."}, {"role": "user", "content": XINBEI_Q3}],
    )
    assert completion.object == "chat.completion"
    assert completion.model == "plan-assistant"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert "牡丹物业" in (choice.message.content or "")
    assert (choice.message.content or "").splitlines()[-1].startswith("来源")
    extra = completion.model_extra or {}
    assert extra["answerable"] is True
    assert {"reform-7-q3", "reform-8-q3"} <= {c["id"] for c in extra["citations"]}


def test_openai_client_stream_ends_with_stop_and_citations(openai_client: OpenAI) -> None:
    stream = openai_client.chat.completions.create(
        model="anything", messages=[{"role": "user", "content": "What is Xinbei's Q3 reform milestone?"}], stream=True
    )
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "牡丹物業" in text  # English answers quote the plan as published
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert "reform-7-q3" in {c["id"] for c in (last.model_extra or {})["citations"]}


def test_openai_stream_is_sse_data_lines_ending_with_done(http: httpx.Client) -> None:
    payload = {"model": "plan-assistant", "stream": True, "messages": [{"role": "user", "content": XINBEI_Q3}]}
    with http.stream("POST", "/v1/chat/completions", json=payload) as response:
        assert response.status_code == 200
        events = sse_events(response)
    assert events[-1] == ("message", "[DONE]")
    first = json.loads(events[0][1])
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}


def test_models_lists_plan_assistant(openai_client: OpenAI) -> None:
    assert [m.id for m in openai_client.models.list()] == ["plan-assistant"]


# ---- plan data --------------------------------------------------------------------------------

def test_search_filters_by_district_and_quarter(http: httpx.Client) -> None:
    params = {"q": "改革进度", "k": 5, "district": "新北区", "quarter": "三季度"}
    body = http.get("/api/search", params=params).json()
    assert len(body["hits"]) == 5 and body["query"] == "改革进度"
    assert "reform-7-q3" in {h["id"] for h in body["hits"]}
    assert all(h["district"] in (None, "新北區") and h["quarter"] in (None, "Q3") for h in body["hits"])


def test_plan_gives_metadata_and_counts(http: httpx.Client) -> None:
    body = http.get("/api/plan").json()
    assert body["metadata"]["doc_number"] == "常民發〔2025〕1號"
    assert body["counts"]["tasks"] == 44 and body["counts"]["reforms"] == 15
    assert body["counts"]["chunks"] > 100
    assert body["findings_by_status"]["mismatch"] >= 3


def test_tasks_filter_keeps_rows_with_a_value_for_the_district(http: httpx.Client) -> None:
    every = http.get("/api/tasks").json()["tasks"]
    liyang = http.get("/api/tasks", params={"district": "溧阳市"}).json()
    assert liyang["district"] == "溧陽市"
    assert 0 < len(liyang["tasks"]) < len(every)
    assert all(t["value"] for t in liyang["tasks"])
    assert next(t for t in liyang["tasks"] if t["id"] == "task-3-1")["value"] == "353張"
    tianning = {t["id"] for t in http.get("/api/tasks", params={"district": "Tianning"}).json()["tasks"]}
    assert "task-3-9" not in tianning  # 天寧區 is `--` there: no value


def test_reforms_filter_by_district_and_quarter(http: httpx.Client) -> None:
    body = http.get("/api/reforms", params={"district": "新北區", "quarter": "Q3"}).json()
    assert (body["district"], body["quarter"]) == ("新北區", "Q3")
    assert [r["id"] for r in body["reforms"]] == ["reform-7", "reform-8"]
    assert all(list(r["milestones"]) == ["Q3"] for r in body["reforms"])
    assert any("牡丹物業" in m for m in body["reforms"][0]["milestones"]["Q3"])
    assert len(http.get("/api/reforms").json()["reforms"]) == 15


def test_audit_lists_mismatches_first(http: httpx.Client) -> None:
    body = http.get("/api/audit").json()
    statuses = [f["status"] for f in body["findings"]]
    assert statuses[0] == "mismatch" and statuses.index("checked") > statuses.index("mismatch")
    assert any("3500" in f["message"] for f in body["findings"] if f["status"] == "mismatch")
    assert body["counts"]["mismatch"] == statuses.count("mismatch")


def test_source_gives_the_record_and_its_raw_lines(http: httpx.Client) -> None:
    body = http.get("/api/sources/reform-7-q3").json()
    assert body["kind"] == "milestone" and body["lines"] == [1018, 1024]
    assert "牡丹物業" in body["text"]
    assert [line["no"] for line in body["source_lines"]] == [1018, 1020, 1022, 1024]
    assert any("牡丹物業" in line["text"] for line in body["source_lines"])


def test_web_ui_and_docs_are_served_alongside_the_api(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    paths = http.get("/openapi.json").json()["paths"]
    for path in ("/api/chat", "/api/chat/stream", "/v1/chat/completions", "/v1/models", "/api/search", "/api/plan",
                 "/api/tasks", "/api/reforms", "/api/audit", "/api/sources/{source_id}", "/healthz", "/readyz"):
        assert path in paths, path


# ---- errors: 4xx JSON that says what to do, never a 500 -------------------------------------------

def test_empty_messages_is_400(http: httpx.Client) -> None:
    error = assert_error(http.post("/api/chat", json={"messages": []}), 400, "input_error")
    assert "at least one user message" in error["message"]


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream", "/v1/chat/completions"])
def test_unknown_role_is_422_naming_the_field(http: httpx.Client, path: str) -> None:
    response = http.post(path, json={"messages": [{"role": "bot", "content": XINBEI_Q3}]})
    error = assert_error(response, 422, "validation_error")
    assert "messages[0].role" in error["message"]


def test_last_message_from_the_assistant_is_400(http: httpx.Client) -> None:
    assert_error(chat(http, ("user", XINBEI_Q3), ("assistant", "…")), 400, "input_error")


def test_openai_client_sees_a_400_with_the_message(openai_client: OpenAI) -> None:
    with pytest.raises(BadRequestError, match="at least one user message"):
        openai_client.chat.completions.create(model="plan-assistant", messages=[])


def test_stream_errors_come_before_the_stream_as_json(http: httpx.Client) -> None:
    assert_error(http.post("/api/chat/stream", json={"messages": []}), 400, "input_error")


def test_invalid_json_is_400_and_missing_content_type_422_with_the_fix(http: httpx.Client) -> None:
    bad = http.post("/api/chat", content=b"{bad", headers={"content-type": "application/json"})
    assert "not valid JSON" in assert_error(bad, 400, "invalid_json")["message"]
    bare = http.post("/api/chat", content=json.dumps({"messages": []}).encode())
    assert "Content-Type: application/json" in assert_error(bare, 422)["message"]


def test_too_many_messages_and_overlong_questions_are_400(http: httpx.Client) -> None:
    many = [("user", "问"), ("assistant", "答")] * 25 + [("user", XINBEI_Q3)]
    assert "limit is 50" in assert_error(chat(http, *many), 400)["message"]
    assert "limit is 2000" in assert_error(chat(http, ("user", "问" * 2001)), 400)["message"]


def test_unknown_source_id_is_404(http: httpx.Client) -> None:
    error = assert_error(http.get("/api/sources/no-such-id"), 404, "not_found_error")
    assert "citations" in error["message"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/tasks", {"district": "火星区"}),
        ("/api/reforms", {"quarter": "Q5"}),
        ("/api/search", {"q": "养老", "district": "火星区"}),
    ],
)
def test_bad_filters_are_400(http: httpx.Client, path: str, params: dict[str, str]) -> None:
    assert_error(http.get(path, params=params), 400, "input_error")


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "养老", "k": 0}, {"q": "养老", "k": "many"}])
def test_bad_search_parameters_are_422(http: httpx.Client, params: dict[str, Any]) -> None:
    assert "query parameter" in assert_error(http.get("/api/search", params=params), 422)["message"]


# ---- start-up (in process, no index needed) ------------------------------------------------------

def test_routes_say_503_until_the_assistant_is_loaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.config import Settings
    from assistant.errors import IndexMissingError
    from assistant.service import Assistant

    release = threading.Event()

    def slow_load(settings: Settings, build_if_missing: bool = True, progress: Any = None) -> Assistant:
        progress("embedding chunks", 3, 10)
        release.wait(10)
        raise IndexMissingError("the plan file is missing; run `assistant ingest`")

    monkeypatch.setattr(Assistant, "load", staticmethod(slow_load))
    app = create_app(Settings(index_dir=tmp_path), ui=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        loading = client.get("/readyz")
        assert loading.status_code == 503 and loading.json()["status"] == "loading"
        error = assert_error(client.post("/api/chat", json={"messages": [{"role": "user", "content": "x"}]}), 503)
        assert error["type"] == "not_ready_error" and "still loading" in error["message"]
        release.set()
        assert app.state.loader.wait(10)
        failed = client.get("/readyz").json()
        assert failed["status"] == "failed" and "assistant ingest" in failed["error"]
        assert "failed to start" in assert_error(client.get("/api/plan"), 503)["message"]
