"""The web chat in headless Chromium against a real `assistant serve` (the `live_server` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
REPORTS = Path(__file__).resolve().parent.parent / "eval" / "reports"
XINBEI_Q3 = "新北区第三季度的改革进度?"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium (.ci/run installs it with apt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server}/")
    page.locator("#chat-input textarea").wait_for()
    try:
        yield page
    finally:
        context.close()


def ask(page: Any, question: str) -> Any:
    """Type a question, send it, wait for the finished answer (its sources list); the answer's locator."""
    done = page.locator("#chatbot .pa-sources").count()
    page.locator("#chat-input textarea").fill(question)
    page.locator("#send-button").click()
    page.wait_for_function(f"document.querySelectorAll('#chatbot .pa-sources').length > {done}")
    return page.locator("#chatbot .pa-sources").last.locator("xpath=..")


def test_chat_answers_with_sources_and_switches_script(page: Any) -> None:
    answer = ask(page, XINBEI_Q3)
    assert "牡丹物业" in answer.locator(".pa-answer").inner_text()
    summaries = answer.locator(".pa-source summary")
    assert summaries.count() == 2
    assert "附件2 · 序号7" in summaries.first.inner_text()

    summaries.first.click()  # expand: the quote as published, with its raw lines
    quote = answer.locator(".pa-quote").first
    assert quote.is_visible() and "牡丹物業" in quote.inner_text()
    assert "L1020" in answer.locator(".pa-lines").first.inner_text()
    REPORTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(REPORTS / "chat.png"))

    page.locator("#script-toggle").get_by_text("繁", exact=True).click()
    page.wait_for_function("document.querySelector('#chatbot .pa-answer')?.innerText.includes('牡丹物業')")
    assert "新北區第三季度的改革進度" in page.locator("#chatbot .pa-question").first.inner_text()
    assert "附件2 · 序號7" in page.locator("#chatbot .pa-source summary").first.inner_text()
    page.locator("#script-toggle").get_by_text("简", exact=True).click()
    page.wait_for_function("document.querySelector('#chatbot .pa-answer').innerText.includes('牡丹物业')")


def test_example_questions_fill_the_input(page: Any) -> None:
    from assistant.config import DEFAULT_PLAN
    from assistant.ingest.pipeline import read_plan
    from assistant.plan_examples import example_questions

    first = example_questions(read_plan(DEFAULT_PLAN))[0]  # examples are built from the loaded plan
    page.locator("#examples").get_by_text(first).click()
    page.wait_for_function(f"document.querySelector('#chat-input textarea').value === {first!r}")


def test_markup_in_a_question_is_shown_as_text_and_never_runs(page: Any) -> None:
    question = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">新北区三季度进度'
    ask(page, question)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chatbot script, #chatbot img[src=x]").count() == 0
    shown = page.locator("#chatbot .pa-question").last.inner_text()
    assert "<script>window.__pwned=1</script>" in shown and 'onerror="window.__pwned=2"' in shown


def test_plan_browser_shows_tasks_and_reform_milestones_by_quarter(page: Any) -> None:
    page.get_by_role("tab", name="计划浏览 Plan").click()
    page.wait_for_function("(document.querySelector('#task-table')?.innerText ?? '').includes('353張')")
    page.locator("#reform-quarter").get_by_text("三季度", exact=True).click()
    page.wait_for_function(
        "(() => { const t = document.querySelector('#reform-table')?.innerText ?? '';"
        " return t.includes('三季度') && !t.includes('一季度') && t.includes('牡丹物業'); })()"
    )


def test_audit_tab_lists_findings(page: Any) -> None:
    page.get_by_role("tab", name="审计 Audit").click()
    page.wait_for_function("(document.querySelector('#audit-table')?.innerText ?? '').includes('3500')")
    assert "不一致 3 项" in page.locator("#audit-summary").inner_text()
