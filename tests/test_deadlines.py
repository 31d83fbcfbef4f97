"""Dated obligations as records, due-by answers, and the deadline API, CSV and calendar, on the seed page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from assistant.chunks import build_chunks
from assistant.models import Plan
from assistant.obligations import Obligation, obligations, resolve, resolve_all, select, status_of
from assistant.service import Assistant
from assistant.verify import unsupported_numbers

MONTH_END_STEP = re.compile(r"\d{1,2}月底前")


@pytest.fixture(scope="module")
def records(plan: Plan) -> list[Obligation]:
    return obligations(plan, {c.id: c for c in build_chunks(plan)})


@pytest.mark.parametrize(("text", "due", "words"), [
    ("3月底前完成审批", date(2025, 3, 31), "3月底前"),
    ("7-8月份开展", date(2025, 8, 31), "7-8月"),
    ("6月25日前报送", date(2025, 6, 25), "6月25日前"),
    ("5月中旬前完成", date(2025, 5, 20), "5月中旬前"),
    ("2月底前", date(2025, 2, 28), "2月底前"),
    ("二季度", date(2025, 6, 30), "二季度"),
    ("上半年", date(2025, 6, 30), "上半年"),
    ("年底前完成", date(2025, 12, 31), "年底"),
])
def test_date_words_resolve_in_the_plans_year(text: str, due: date, words: str) -> None:
    assert resolve(text, 2025) == (due, words)


def test_a_sentence_with_two_dates_has_both() -> None:
    assert [d for _, d, _ in resolve_all("请于6月25日前、12月10日前分别报送", 2026)] == [date(2026, 6, 25), date(2026, 12, 10)]


def test_every_month_end_step_of_attachment_1_is_a_record(plan: Plan, raw_text: str, records: list[Obligation]) -> None:
    """Checked against the raw lines: each 「N月底前」 between 附件1 and 附件2 is due at that month's end,
    in a record whose lines hold it."""
    lines = raw_text.split("\n")
    start = next(k for k, x in enumerate(lines) if x.strip() == "附件1")
    end = next(k for k, x in enumerate(lines) if x.strip() == "附件2")
    expected = [(no, m.group(0)) for no in range(start + 1, end + 1) for m in MONTH_END_STEP.finditer(lines[no - 1])]
    assert len(expected) >= 15
    steps = [o for o in records if o.kind in ("step", "column")]
    for no, words in expected:
        month = int(words[: words.index("月")])
        found = [o for o in steps if o.lines[0] <= no <= o.lines[1] and words in o.text]
        assert found, (no, words)
        assert all(o.due.month == month and o.due.year == 2025 for o in found), (no, words, found)


def test_milestones_are_due_at_their_periods_end(records: list[Obligation]) -> None:
    q3 = [o for o in records if o.kind == "milestone" and o.when == "三季度"]
    assert q3 and all(o.due == date(2025, 9, 30) and o.unit for o in q3)
    assert records == sorted(records, key=lambda o: o.key)


def test_status_and_selection(records: list[Obligation]) -> None:
    as_of = date(2025, 6, 15)
    june = select(records, start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert june and {status_of(o, as_of) for o in june} == {"due"}
    xinbei = select(records, unit="新北區", end=date(2025, 3, 31))
    assert {o.unit for o in xinbei} == {None, "新北區"}
    assert all(status_of(o, as_of) == "overdue" for o in select(records, status="overdue", as_of=as_of))


@pytest.fixture
def assistant(seed_assistant: Assistant) -> Assistant:
    return seed_assistant


def test_by_the_end_of_june_lists_what_falls_due_then_first_and_the_earlier_after(assistant: Assistant) -> None:
    """「六月底前」 is everything to be done by then: what falls due in June (and the quarter ending then) first,
    the earlier deadlines after them under their own heading; nothing due later."""
    answer = assistant.ask("殡葬方面六月底前要做完哪些?")
    assert answer.answerable and answer.route == "lookup" and unsupported_numbers(answer) == []
    text = answer.answer
    assert "6月底前,陆续出台相关规定" in text and "此前已到期" in text and "3月底前,各辖市、区完成公益性公墓审批" in text
    assert text.index("6月底前,陆续出台相关规定") < text.index("此前已到期") < text.index("3月底前,各辖市、区完成公益性公墓审批")
    assert "9月底前" not in text and "三季度" not in text
    month = assistant.ask("3月份到期的有哪些节点?")  # a month, not a by-when: only what falls due then
    assert "此前已到期" not in month.answer and "6月底前" not in month.answer


def test_a_window_with_a_topic_lists_that_topics_obligations(assistant: Assistant) -> None:
    answer = assistant.ask("In the funeral-sector work, what has to be done by the end of September?")
    assert answer.answerable and "集中治理" in answer.answer and unsupported_numbers(answer) == []
    assert "养老" not in answer.answer and "養老" not in answer.answer


def test_in_march_is_the_month_and_a_unit_narrows_it(assistant: Assistant) -> None:
    march = assistant.ask("三月份有哪些节点?")
    assert "3月底前" in march.answer and "4月底前" not in march.answer
    xinbei = assistant.ask("What is due by the end of June for Xinbei?")
    assert "Xinbei" in xinbei.answer and "Tianning" not in xinbei.answer and "6月底前" in xinbei.answer


def test_a_topic_with_a_date_stays_a_deadline_question(assistant: Assistant) -> None:
    answer = assistant.ask("消防避难设施建设有哪些时间节点?")
    assert "按截止时间排列" not in answer.answer and "11月底前完成区级验收" in answer.answer


@pytest.fixture(scope="module")
def http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client


def test_the_deadline_api_filters_by_unit_range_and_status(http: httpx.Client) -> None:
    r = http.get("/api/deadlines", params={"unit": "Xinbei", "to": "2025-06-30", "as_of": "2025-05-10"})
    assert r.status_code == 200
    body = r.json()
    assert body["unit"] == "新北區" and body["count"] == len(body["deadlines"]) > 10
    assert {d["unit"] for d in body["deadlines"]} == {None, "新北區"}
    assert all(d["due"] <= "2025-06-30" for d in body["deadlines"])
    assert {d["status"] for d in body["deadlines"]} == {"overdue", "due", "upcoming"}
    assert http.get("/api/deadlines", params={"unit": "火星区"}).status_code == 400
    assert http.get("/api/deadlines", params={"from": "2025-13-01"}).status_code == 422


def test_the_deadline_csv_opens_as_a_sheet(http: httpx.Client) -> None:
    import csv
    import io

    r = http.get("/api/deadlines", params={"format": "csv", "status": "overdue", "as_of": "2025-04-01"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows and all(x["status"] == "overdue" and x["due"] < "2025-04-01" for x in rows)


def test_the_calendar_feed_parses_back(http: httpx.Client) -> None:
    from icalendar import Calendar

    r = http.get("/api/deadlines.ics", params={"unit": "新北区"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(r.content).walk("VEVENT")
    listed = http.get("/api/deadlines", params={"unit": "新北区"}).json()
    assert len(events) == listed["count"]
    assert sorted(e.decoded("dtstart").isoformat() for e in events) == sorted(d["due"] for d in listed["deadlines"])
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_the_cli_writes_the_calendar_and_refuses_a_bad_date(index_dir, retriever) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from icalendar import Calendar

    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    run = [sys.executable, "-m", "assistant.cli", "deadlines"]
    ics = subprocess.run([*run, "--format", "ics", "--unit", "金坛", "--to", "2025-03-31"], capture_output=True,
                         env=env, timeout=300)
    assert ics.returncode == 0, ics.stderr
    events = Calendar.from_ical(ics.stdout).walk("VEVENT")
    assert events and all(e.decoded("dtstart") <= date(2025, 3, 31) for e in events)
    bad = subprocess.run([*run, "--from", "2025-99-01"], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode != 0 and "YYYY-MM-DD" in bad.stderr


def test_when_a_thing_is_started_and_finished_is_every_period_its_steps_name(assistant: Assistant) -> None:
    """「啥时候启动,啥时候要完成」 about one step of a unit's reform item: each period that names it."""
    answer = assistant.ask("金坛那边安居美居乐居关爱行动啥时候启动,啥时候要完成")
    assert answer.answerable
    labels = [c.label for c in answer.citations]
    assert any("二季度" in x for x in labels) and any("三季度" in x for x in labels)
    assert not any("一季度" in x or "四季度" in x for x in labels)


def test_by_a_month_the_row_item_due_then_or_before_is_the_one_shown(assistant: Assistant) -> None:
    answer = assistant.ask("养老机构消防避难设施和混合经营建筑这两块,五月底前要先交啥")
    assert "5月底前完成情况摸底" in answer.answer and "4月底前完成情况摸底" in answer.answer
    first_lines = [ln for ln in answer.answer.splitlines() if ln.startswith("最相关")]
    assert all("8月底前" not in ln and "6月底前" not in ln for ln in first_lines)
