"""A library of plans in one index dir: scope, comparison, isolation, re-ingest, removal, upload.

The library (conftest `library_dir`) holds four real pages: the seed (常州市民政局 2025), its next year
(常州市民政局 2026, tests/fixtures/library, changes listed in CHANGES.md), 无锡市民政局 2026 and
常州市武进区民政局 2025 (a district bureau whose units are towns).
"""

from __future__ import annotations

import shutil
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings, get_settings
from assistant.errors import InputError, NotFoundError
from assistant.library import Registry, is_library
from assistant.library.entries import PlanEntry
from assistant.library.scope import Scoper, core_question, issuer_forms, rewrite_years
from assistant.library.service import Library
from assistant.library.shelf import add_page, pages_in, remove_plan
from assistant.models import ChatMessage
from assistant.verify import unsupported_numbers

ROOT = Path(__file__).resolve().parent.parent
CZ25, CZ26 = "changzhoushiminzhengju-2025-1", "changzhoushiminzhengju-2026-2"
WUXI, WUJIN = "wuxishiminzhengju-2026-3", "changzhoushiwujinquminzhengju-2025-9"
TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def library(library_dir: Path) -> Library:
    settings = get_settings().model_copy(update={"index_dir": library_dir, "as_of": TODAY})
    return Library.load(settings, build_if_missing=False)


def cited_plans(answer) -> set[str | None]:  # type: ignore[no-untyped-def]
    return {c.plan for c in answer.citations}


# ---- the registry -------------------------------------------------------------------------------------
def test_library_lists_each_plan_with_issuer_year_and_its_own_index_dir(library_dir: Path) -> None:
    entries = {e.id: e for e in Registry(library_dir).entries()}
    assert set(entries) == {CZ25, CZ26, WUXI, WUJIN}
    assert (entries[CZ26].issuer, entries[CZ26].year, entries[CZ26].doc_number) == ("常州市民政局", 2026, "常民發〔2026〕2號")
    assert entries[WUJIN].units[:2] == ["湖塘鎮", "牛塘鎮"]
    dirs = {Registry(library_dir).plan_dir(p) for p in entries}
    assert len(dirs) == 4 and all((d / "plan.sqlite").is_file() and (d / "manifest.json").is_file() for d in dirs)


def test_pages_in_reads_folders_and_refuses_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text("x", encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in pages_in([tmp_path])] == ["a.txt", "b.html"]
    with pytest.raises(InputError, match="does not exist"):
        pages_in([tmp_path / "nope.html"])


# ---- scope ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "plan", "fact"), [
    ("2025年新北区家庭养老床位任务是多少?", CZ25, "192"),
    ("2026年新北区家庭养老床位任务是多少?", CZ26, "210"),
    ("去年新北区家庭养老床位任务是多少?", CZ25, "192"),
    ("新北区家庭养老床位任务是多少?", CZ26, "210"),  # no plan named: the default issuer's newest
    ("江阴市家庭养老床位任务是多少?", WUXI, "320"),  # a unit only Wuxi's plan has
    ("武进区民政局的工作要点里,湖塘镇要新建多少张家庭养老床位?", WUJIN, "22"),
    ("How many family elderly-care beds must Liangxi District build?", WUXI, "180"),
])
def test_question_goes_to_the_plan_it_names(library: Library, question: str, plan: str, fact: str) -> None:
    answer = library.ask(question)
    assert answer.answerable and answer.plan == plan
    assert fact in answer.answer
    assert cited_plans(answer) == {plan}  # isolation: one plan's numbers only
    assert unsupported_numbers(answer) == []


def test_follow_up_keeps_the_issuer_and_takes_the_new_year(library: Library) -> None:
    history = [ChatMessage(role="user", content="2025年新北区家庭养老床位任务是多少?"),
               ChatMessage(role="assistant", content="新北区：192张")]
    answer = library.ask("那2026年呢?", history)
    assert answer.plan == CZ26 and "210" in answer.answer and cited_plans(answer) == {CZ26}


def test_follow_up_naming_another_city_switches_plan(library: Library) -> None:
    history = [ChatMessage(role="user", content="常州今年新增多少个老年助餐点?"),
               ChatMessage(role="assistant", content="58个")]
    answer = library.ask("无锡呢?", history)
    assert answer.plan == WUXI and "60个" in answer.answer


@pytest.mark.parametrize("question", ["明年的低保标准是多少?", "2023年新北区家庭养老床位任务是多少?"])
def test_a_year_the_library_lacks_is_refused_naming_the_plans_it_has(library: Library, question: str) -> None:
    answer = library.ask(question)
    assert not answer.answerable and answer.route == "library_scope"
    assert "2025年全市民政工作要" in answer.answer and "2026年全市民政工作要" in answer.answer
    assert unsupported_numbers(answer) == []


def test_unit_of_the_city_plan_that_is_also_a_bureau_names_that_bureau(library: Library) -> None:
    answer = library.ask("武进区今年的家庭养老床位任务是多少?")
    assert answer.plan == CZ26 and "175" in answer.answer  # the default answers …
    assert "常州市武進區民政局" in answer.answer  # … and names the other plan that fits
    assert cited_plans(answer) == {CZ26}


# ---- comparison -----------------------------------------------------------------------------------------
def test_two_years_compared_show_both_values_and_the_change(library: Library) -> None:
    answer = library.ask("2025年和2026年新北区家庭养老床位任务有什么变化?")
    assert answer.route == "library_compare"
    assert "192" in answer.answer and "210" in answer.answer and "210 − 192 = 18" in answer.answer
    assert cited_plans(answer) == {CZ25, CZ26}
    assert unsupported_numbers(answer) == []


def test_city_wide_figures_compared_from_the_row_text(library: Library) -> None:
    answer = library.ask("2026年全市福彩销售目标比2025年多了多少?")
    assert "11.5" in answer.answer and "12" in answer.answer and "12 − 11.5 = 0.5" in answer.answer
    assert unsupported_numbers(answer) == []


def test_rows_new_this_year_are_those_with_no_counterpart(library: Library) -> None:
    answer = library.ask("今年新增了哪些重点任务?")
    assert answer.route == "library_new"
    for name in ("认知障碍照护床位", "龙城银龄", "童心守护"):
        assert name in answer.answer
    assert "家庭养老床位" not in answer.answer  # a changed figure is no new row


def test_dropped_rows_come_from_last_year(library: Library) -> None:
    answer = library.ask("2026年不再列入的任务有哪些?")
    assert answer.route == "library_dropped"
    assert "婚姻家庭辅导" in answer.answer and "基层民政服务站" in answer.answer


def test_asking_whether_a_row_is_still_listed(library: Library) -> None:
    answer = library.ask("今年的重点任务清单里还有婚姻家庭辅导那一项吗?")
    assert answer.route == "library_still" and "婚姻家庭辅导" in answer.answer and "没有与之对应" in answer.answer


def test_two_cities_asked_together_answer_each_under_its_own_plan(library: Library) -> None:
    answer = library.ask("常州和无锡今年的家庭养老床位任务各是多少?")
    assert "1450" in answer.answer and "1500" in answer.answer
    assert cited_plans(answer) == {CZ26, WUXI}


def test_a_pinned_plan_answers_whatever_the_question_names(library: Library) -> None:
    answer = library.ask("新北区家庭养老床位任务是多少?", plan=CZ25)
    assert answer.plan == CZ25 and "192" in answer.answer
    with pytest.raises(NotFoundError, match="no plan"):
        library.ask("新北区家庭养老床位任务是多少?", plan="nope")


def test_plans_answered_at_once_from_many_threads_match_one_at_a_time(library: Library) -> None:
    questions = ["2025年新北区家庭养老床位任务是多少?", "江阴市家庭养老床位任务是多少?",
                 "湖塘镇的家庭养老床位任务是多少?", "2026年新北区家庭养老床位任务是多少?"] * 3
    expected = {q: library._answer(q, None, None).answer for q in set(questions)}
    got: dict[int, str] = {}

    def run(i: int, q: str) -> None:
        got[i] = library._answer(q, None, None).answer  # past the answer cache: really answered

    threads = [threading.Thread(target=run, args=(i, q)) for i, q in enumerate(questions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [got[i] for i in range(len(questions))] == [expected[q] for q in questions]


# ---- scope on plain entries (no index) ------------------------------------------------------------------
def entry(id_: str, issuer: str, year: int, places: list[str], units: list[str]) -> PlanEntry:
    return PlanEntry(id=id_, issuer=issuer, year=year, places=places, units=units, title=f"{year}年工作要点")


SCOPER_ENTRIES = [
    entry("a24", "昆山市民政局", 2024, ["昆山市", "昆山"], ["玉山镇", "巴城镇"]),
    entry("a25", "昆山市民政局", 2025, ["昆山市", "昆山"], ["玉山镇", "巴城镇"]),
    entry("b25", "苏州市民政局", 2025, ["苏州市", "苏州"], ["昆山市", "吴江区"]),
]


def test_issuer_forms_drop_parent_places_and_suffixes() -> None:
    assert {"昆山市民政局", "昆山民政局"} <= issuer_forms("昆山市民政局")
    assert "吴江区民政局" in issuer_forms("苏州市吴江区民政局")


def test_scoper_reads_years_issuers_and_units_from_entries() -> None:
    scoper = Scoper(SCOPER_ENTRIES)
    assert scoper.default is not None and scoper.default.id == "a25"  # the issuer with most plans, newest
    assert scoper.resolve("去年玉山镇的任务?", None, date(2025, 6, 1)).plans == ["a24"]
    assert scoper.resolve("苏州市民政局的床位任务?", None, date(2025, 6, 1)).plans == ["b25"]
    assert scoper.resolve("吴江区的床位任务?", None, date(2025, 6, 1)).plans == ["b25"]
    missing = scoper.resolve("2030年的床位任务?", None, date(2025, 6, 1))
    assert missing.kind == "missing" and missing.reason == "year:2030"
    pair = scoper.resolve("2024年和2025年巴城镇床位任务有什么变化?", None, date(2025, 6, 1))
    assert pair.kind == "compare" and pair.plans == ["a24", "a25"]


def test_relative_years_are_spelled_out_and_comparisons_lose_their_years() -> None:
    assert rewrite_years("去年和今年的床位", date(2026, 3, 1)) == "2025年和2026年的床位"
    assert rewrite_years("What was the target last year?", date(2026, 3, 1)) == "What was the target in 2025?"
    assert core_question("2025年和2026年新北区家庭养老床位任务有什么变化?") == "新北区家庭养老床位任务"
    assert core_question("2026年床位任务比2025年多多少") == "床位任务"


# ---- re-ingest, removal, upload (each on its own copy of the library) ----------------------------------
@pytest.fixture
def library_copy(library_dir: Path, tmp_path: Path) -> Settings:
    target = tmp_path / "library"
    shutil.copytree(library_dir, target)
    return get_settings().model_copy(update={"index_dir": target, "as_of": TODAY, "admin_token": "s3cret",
                                             "generation_check_s": 0})


def test_reingesting_one_changed_plan_leaves_the_others_untouched(library_copy: Settings, tmp_path: Path) -> None:
    registry = Registry(library_copy.index_dir)
    before = {e.id: (e.dir, (registry.plan_dir(e.id) / "plan.sqlite").stat().st_mtime_ns) for e in registry.entries()}
    page = tmp_path / "wuxi-2026-plan.html"
    raw = (ROOT / "tests" / "fixtures" / "plans" / "wuxi-2026-plan.html").read_bytes()
    page.write_bytes(raw.replace("320".encode("gbk"), "333".encode("gbk"), 1))
    report = add_page(library_copy, page)
    assert report.state == "replaced" and report.entry.id == WUXI
    after = {e.id: (e.dir, (registry.plan_dir(e.id) / "plan.sqlite").stat().st_mtime_ns) for e in registry.entries()}
    assert {k: v for k, v in after.items() if k != WUXI} == {k: v for k, v in before.items() if k != WUXI}
    assert after[WUXI][0] != before[WUXI][0] and not (library_copy.index_dir / "plans" / before[WUXI][0]).exists()
    assert add_page(library_copy, page).state == "unchanged"
    answer = Library.load(library_copy, build_if_missing=False).ask("江阴市家庭养老床位任务是多少?")
    assert "333" in answer.answer and "320" not in answer.answer


def test_removing_a_plan_takes_it_out_everywhere(library_copy: Settings) -> None:
    registry = Registry(library_copy.index_dir)
    where = registry.plan_dir(WUJIN)
    remove_plan(library_copy, WUJIN)
    assert WUJIN not in {e.id for e in registry.entries()} and not where.exists()
    library = Library.load(library_copy, build_if_missing=False)
    assert set(library.plans) == {CZ25, CZ26, WUXI}
    assert library.ask("湖塘镇的家庭养老床位任务是多少?").plan != WUJIN
    with pytest.raises(NotFoundError):
        remove_plan(library_copy, WUJIN)


def wait_job(client: TestClient, job: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    for _ in range(600):
        body = client.get(f"/admin/jobs/{job}", headers=headers).json()
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.5)
    raise AssertionError("the upload job did not finish")


def test_upload_through_the_api_adds_a_plan_and_refuses_bad_pages(library_copy: Settings) -> None:
    from assistant.api import create_app

    auth = {"Authorization": "Bearer s3cret"}
    page = (ROOT / "tests" / "fixtures" / "plans" / "kunshan-2026-traditional.txt").read_bytes()
    with TestClient(create_app(library_copy, ui=False)) as client:
        for _ in range(600):
            if client.get("/readyz").json()["status"] != "loading":
                break
            time.sleep(0.5)
        assert client.post("/admin/plans", params={"name": "k.txt"}, content=page).status_code == 401
        bad = client.post("/admin/plans", params={"name": "x.html"}, content=b"<html><body>hello</body></html>",
                          headers=auth)
        assert bad.status_code == 422 and "reads as a plan" in bad.json()["error"]["message"]
        before = [p["id"] for p in client.get("/api/plans").json()["plans"]]
        assert before == [CZ25, CZ26, WUXI, WUJIN]
        good = client.post("/admin/plans", params={"name": "kunshan-2026.txt"}, content=page, headers=auth)
        assert good.status_code == 202
        job = wait_job(client, good.json()["id"], auth)
        assert job["state"] == "done" and job["result"] == "added", job
        plans = client.get("/api/plans").json()
        assert [p["id"] for p in plans["plans"]] == [*before, job["plan"]] and plans["default"] == CZ26
        models = [m["id"] for m in client.get("/v1/models").json()["data"]]
        assert models == ["plan-assistant", *before, job["plan"]]
        chat = client.post("/api/chat", json={"messages": [{"role": "user", "content": "昆山玉山镇新建多少张家庭养老床位?"}]})
        assert chat.json()["plan"] == job["plan"] and "95" in chat.json()["answer"]
        pinned = client.post("/api/chat", json={"messages": [{"role": "user", "content": "新北区家庭养老床位任务是多少?"}],
                                                 "plan": CZ25})
        assert pinned.json()["plan"] == CZ25 and "192" in pinned.json()["answer"]
        openai = client.post("/v1/chat/completions", json={"model": WUXI, "messages": [
            {"role": "user", "content": "梁溪区新建多少张家庭养老床位?"}]})
        assert "180" in openai.json()["choices"][0]["message"]["content"]
        tasks = client.get("/api/tasks", params={"plan": WUXI, "district": "江阴"}).json()
        assert tasks["district"] == "江阴市" and tasks["tasks"]
        assert client.get("/api/tasks", params={"plan": "nope"}).status_code == 404
        gone = client.delete(f"/admin/plans/{job['plan']}", headers=auth)
        assert gone.status_code == 200 and job["plan"] not in gone.json()["plans"]


def test_a_single_plan_index_dir_is_a_library_of_one(settings: Settings, seed_assistant) -> None:  # type: ignore[no-untyped-def]
    assert not is_library(settings.index_dir)
    library = Library.load(settings, build_if_missing=False)
    assert not library.is_library and len(library.plans) == 1
    answer = library.ask("新北区家庭养老床位任务是多少?")
    assert answer.plan is None and "192" in answer.answer  # answered exactly as before, no plan label
    assert "依据" not in answer.answer


def test_cli_ingests_several_pages_lists_and_removes_plans(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from assistant.cli import app
    from tests.conftest import env_setting

    kunshan = ROOT / "tests" / "fixtures" / "plans" / "kunshan-2026-traditional.txt"
    nanjing = ROOT / "tests" / "fixtures" / "plans" / "nanjing-2024-body-only.txt"
    bad = tmp_path / "not-a-plan.html"
    bad.write_text("<html><body>hello</body></html>", encoding="utf-8")
    runner = CliRunner()
    with env_setting("ASSISTANT_INDEX_DIR", str(tmp_path / "lib")):
        done = runner.invoke(app, ["ingest", str(kunshan), str(nanjing)])
        assert done.exit_code == 0, done.output
        assert "[1/2] kunshan-2026-traditional.txt: added as kunshanshiminzhengju-2026-5" in done.output
        listed = json.loads(runner.invoke(app, ["plans", "--json"]).output)
        assert [(p["issuer"], p["year"]) for p in listed] == [("昆山市民政局", 2026), ("南京市民政局", 2024)]
        again = runner.invoke(app, ["ingest", str(kunshan), str(bad)])
        assert again.exit_code == 2 and "unchanged" in again.output and "not-a-plan.html: not added" in again.output
        answer = json.loads(runner.invoke(app, ["ask", "--json", "--plan", listed[0]["id"], "玉山镇新建多少张家庭养老床位?"]).output)
        assert answer["plan"] == listed[0]["id"] and "95" in answer["answer"]
        removed = runner.invoke(app, ["remove", listed[1]["id"]])
        assert removed.exit_code == 0 and f"removed {listed[1]['id']}" in removed.output
        assert [p["id"] for p in json.loads(runner.invoke(app, ["plans", "--json"]).output)] == [listed[0]["id"]]
        assert runner.invoke(app, ["remove", "nope"]).exit_code == 2


def test_a_server_follows_a_plan_added_by_another_process(library_copy: Settings) -> None:
    from assistant.api import create_app

    follower = library_copy.model_copy(update={"generation_check_s": 0.2})
    page = ROOT / "tests" / "fixtures" / "plans" / "nanjing-2024-body-only.txt"
    with TestClient(create_app(follower, ui=False)) as client:
        for _ in range(600):
            if client.get("/readyz").json()["status"] != "loading":
                break
            time.sleep(0.5)
        before = [p["id"] for p in client.get("/api/plans").json()["plans"]]
        added = add_page(library_copy, page).entry.id  # as `assistant ingest` in another process would
        for _ in range(240):
            now = [p["id"] for p in client.get("/api/plans").json()["plans"]]
            if now != before:
                break
            time.sleep(0.5)
        assert now == [*before, added]
