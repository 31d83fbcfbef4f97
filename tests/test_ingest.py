"""The reconstruction of the real plan: golden file, named cells, cleaning, audit, store, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import ParseError
from assistant.export import plan_document
from assistant.ingest.pipeline import build_plan
from assistant.models import Plan
from assistant.store import PlanStore

GOLDEN = Path(__file__).parent / "golden" / "plan.json"
SPAM_FRAGMENTS = ("在线播放", "无码", "一区二区", "国产")
CHROME_FRAGMENTS = ("您當前的位置", "首頁 >>", "瀏覽次數", "掃一掃在手機打開當前頁", "領導活動")


def task(plan: Plan, tid: str):  # type: ignore[no-untyped-def]
    return next(t for t in plan.tasks if t.id == tid)


def reform(plan: Plan, no: int):  # type: ignore[no-untyped-def]
    return next(r for r in plan.reforms if r.no == no)


def test_full_reconstruction_matches_reviewed_golden_file(plan: Plan) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    current = json.loads(json.dumps(plan_document(plan), ensure_ascii=False))
    for key in ("metadata", "sections", "tasks", "reforms", "findings", "cleaning"):
        assert current[key] == golden[key], key


def test_metadata_is_parsed_with_iso_dates(plan: Plan) -> None:
    m = plan.metadata
    assert m["doc_number"] == "常民發〔2025〕1號"
    assert m["publisher"] == "市民政局"
    assert m["index_no"] == "014109672/2025-00027"
    assert (m["generated"], m["published"], m["signed"]) == ("2025-03-18", "2025-03-20", "2025-03-18")
    assert m["plan_title"] == "2025年全市民政工作要點"
    assert m["issuer"] == "常州市民政局"


def test_body_is_a_section_tree_with_line_spans(plan: Plan) -> None:
    ids = [s.id for s in plan.sections]
    assert ids[:3] == ["sec-notice", "sec-preamble", "sec-1"]
    assert [i for i in ids if i.startswith("sec-") and i.count("-") == 1 and i[4:].isdigit()] == [
        f"sec-{n}" for n in range(1, 9)
    ]
    sub = next(s for s in plan.sections if s.id == "sec-6-4")
    assert sub.heading == "推進福利彩票事業高質量發展"
    assert sub.path[-2] == "六、提升社會治理效能"
    assert sub.lines == (70, 70)
    assert sum(1 for s in plan.sections if s.kind == "subsection") == 23


# (task id, column, expected cell) — read off the raw text by hand.
TASK_CELLS = [
    ("task-1-1", "group", "深化政治機關建設"),
    ("task-1-1", "responsible", ["先鋒匯成員單位"]),
    ("task-2-1", "溧陽市", "4000人次"),
    ("task-2-1", "經開區", "3000人次"),
    ("task-2-1", "responsible", ["市教育局", "市民政局"]),
    ("task-3-1", "溧陽市", "353張"),
    ("task-3-1", "新北區", "192張"),
    ("task-3-1", "經開區", "63張"),
    ("task-3-2", "金壇區", "874名"),
    ("task-3-3", "武進區", "24個"),
    ("task-3-3", "鐘樓區", "2個"),
    ("task-3-4", "金壇區", "10個"),
    ("task-3-5", "天寧區", "820戶"),
    ("task-3-5", "group", "深化養老服務改革發展"),
    ("task-3-8", "金壇區", "19家"),
    ("task-3-9", "天寧區", "--"),
    ("task-3-9", "經開區", "2家"),
    ("task-4-1", "responsible", ["市財政局", "市慈善總會", "市民政局"]),
    ("task-4-2", "武進區", "20人"),
    ("task-4-3", "溧陽市", "3931戶"),
    ("task-4-3", "responsible", ["市慈善總會", "市民政局"]),
    ("task-4-4", "responsible", ["各慈善總會", "市民政局"]),
    ("task-5-2", "responsible", ["市公安局", "市城管局", "市數據局", "市民政局"]),
    ("task-6-1", "武進區", "5個"),
    ("task-7-3", "responsible", ["市衛健委", "市殘聯", "市民政局"]),
    ("task-10-1", "responsible", ["市公安局", "市住建局", "市交通運輸局", "市民政局"]),
    ("task-11-1", "鐘樓區", "牽頭鐘武線聯檢;統籌推進“平安邊界”建設"),
    ("task-11-1", "新北區", "牽頭常泰線聯檢;統籌推進“平安邊界”建設"),
    ("task-11-1", "溧陽市", "統籌推進“平安邊界”建設"),
    ("task-12-2", "溧陽市", "20個以上"),
    ("task-12-2", "經開區", "10個以上"),
    ("task-16-1", "responsible", ["市消防救援支隊", "市民政局"]),
    (
        "task-16-4",
        "citywide",
        "依托全省民政服務機構安全風險網上報告信息平臺,3月底前完成全市主要民政服務機構較大以上安全風險首次辨識填報。",
    ),
    ("task-3-7", "citywide", "應納盡納、應補盡補。"),
]


@pytest.mark.parametrize(("tid", "column", "expected"), TASK_CELLS)
def test_task_cell(plan: Plan, tid: str, column: str, expected: object) -> None:
    t = task(plan, tid)
    if column in plan.units:
        assert t.districts is not None and t.districts[column] == expected
    else:
        assert getattr(t, column) == expected


# (reform no, column, item index, expected start of the item)
REFORM_CELLS = [
    (1, "item", None, "深耕數字地名助力鄉村振興"),
    (1, "Q1", 0, "完成溧陽市數字地名服務平臺基礎框架搭建和主界面的設計。"),
    (1, "Q2", 1, "完成500塊智慧地名二維碼標志牌的設置。"),
    (2, "Q4", 1, "依托村(社區)紅白理事會"),
    (3, "Q2", 2, "啟動常州市分散供養特困人員"),
    (4, "Q3", 3, "推動超標墓等整改工作。"),
    (5, "Q4", 4, "組織養老機構工作人員開展服務技能競賽。"),
    (6, "Q1", 0, "開展“吾社同行 益熠生輝”"),
    (7, "Q3", 3, "小河社區、濱江社區老年助餐點投入使用。"),
    (7, "Q3", 1, "在國企牡丹物業公司試點“物業+養老”模式"),
    (8, "Q3", 0, "開展等級評估,提升社會組織等級水平。"),
    (8, "Q3", 1, "召開社會組織座談會,聽取意見建議。"),
    (9, "Q2", 2, "開展暖心護航動態監測項目"),
    (10, "Q1", 0, "開展區級養老服務指導中心建設工作調研"),
    (11, "Q4", 1, "鎮(街道)建成“黨建+社會救助”示范點"),
    (12, "Q4", 0, "總結提煉省級婚俗改革實驗區建設經驗"),
    (13, "Q1", 2, "3月份,組織鎮(街道)開展服務類社會救助暖心服務項目發布儀式。"),
    (14, "Q4", 1, "打造“經彩健教”經開區特色健教品牌"),
    (15, "target", 0, "以滿足人民群眾殯葬需求為導向"),
]


@pytest.mark.parametrize(("no", "column", "index", "expected"), REFORM_CELLS)
def test_reform_cell(plan: Plan, no: int, column: str, index: int | None, expected: str) -> None:
    r = reform(plan, no)
    if column == "item":
        assert r.item == expected
    elif column == "target":
        assert r.targets[index or 0].startswith(expected)
    else:
        assert r.milestones[column][index or 0].startswith(expected)


def test_reform_rows_cover_every_district_with_item_counts(plan: Plan) -> None:
    assert [r.district for r in plan.reforms] == [
        "溧陽市",
        "溧陽市",
        "金壇區",
        "金壇區",
        "武進區",
        "武進區",
        "新北區",
        "新北區",
        "天寧區",
        "天寧區",
        "鐘樓區",
        "鐘樓區",
        "經開區",
        "經開區",
        "經開區",
    ]
    assert [len(reform(plan, 7).milestones[q]) for q in ("Q1", "Q2", "Q3", "Q4")] == [2, 3, 4, 3]
    assert [len(reform(plan, 8).milestones[q]) for q in ("Q1", "Q2", "Q3", "Q4")] == [3, 3, 2, 3]
    assert reform(plan, 12).milestones["Q4"] == [
        "總結提煉省級婚俗改革實驗區建設經驗,做好驗收工作,形成婚俗改革“鐘樓樣板”。"
    ]


def test_page_break_repeats_are_one_group(plan: Plan) -> None:
    assert [t.id for t in plan.tasks if t.group_no == 3] == [f"task-3-{i}" for i in range(1, 10)]
    assert [t.id for t in plan.tasks if t.group_no == 8] == ["task-8-1", "task-8-2", "task-8-3"]
    assert len(plan.tasks) == 44


def test_five_values_for_seven_districts_are_kept_unassigned(plan: Plan) -> None:
    t = task(plan, "task-8-3")
    assert t.ambiguous and t.districts is None
    assert t.unassigned_values == ["1個", "2個", "2個", "1個", "1個"]


def test_lottery_sentence_yields_per_unit_values(plan: Plan) -> None:
    t = task(plan, "task-14-1")
    assert t.unit_values == {
        "市本級": "5.78億元",
        "溧陽市": "1.58億元",
        "金壇區": "1.23億元",
        "武進區": "2.91億元",
    }


def test_numbered_citywide_breakdown_is_one_cell(plan: Plan) -> None:
    t = task(plan, "task-16-2")
    assert (
        t.citywide is not None and t.citywide.splitlines()[4] == "5. \xa012月底前完成市級抽查。"
    )  # the page has a no-break space here


def test_spam_and_chrome_are_removed_with_reasons(plan: Plan) -> None:
    reasons = {r.line: r.reason for r in plan.cleaning.removed}
    assert reasons[1].startswith("spam:")
    assert {3, 4, 5, 6, 1269} <= set(reasons)
    everything = json.dumps(
        [s.model_dump() for s in plan.sections]
        + [t.model_dump() for t in plan.tasks]
        + [r.model_dump() for r in plan.reforms],
        ensure_ascii=False,
    )
    for fragment in SPAM_FRAGMENTS + CHROME_FRAGMENTS:
        assert fragment not in everything


def test_mojibake_is_reported_and_left_unaltered(plan: Plan) -> None:
    suspects = {s.line: s for s in plan.cleaning.suspect}
    assert suspects[40].text == "??茖W"
    assert "青春留?!惫" in suspects[1176].context
    assert "養老顧問??茖W制訂" in next(s for s in plan.sections if s.id == "sec-2-2").text
    assert reform(plan, 12).milestones["Q3"][0].startswith("組建“青春留?!惫")


def test_audit_finds_the_known_discrepancies(plan: Plan) -> None:
    by_status: dict[str, list[str]] = {}
    for f in plan.findings:
        by_status.setdefault(f.status, []).append(f.message)
    mismatches = " ".join(by_status["mismatch"])
    assert "3500名" in mismatches and "3100名" in mismatches
    assert "37000人次" in mismatches and "4萬人次" in mismatches
    assert any("task-8-3" in m for m in by_status["ambiguous"])
    checked = " ".join(by_status["checked"])
    for total in ("1300張", "53個", "5500戶", "27個", "99家", "21家", "26個", "11.5億元"):
        assert total in checked, total


def test_store_round_trips_the_plan(store: PlanStore, plan: Plan) -> None:
    loaded = store.load_plan()
    assert loaded.tasks == plan.tasks
    assert loaded.reforms == plan.reforms
    assert loaded.sections == plan.sections
    assert loaded.findings == plan.findings
    assert loaded.metadata == plan.metadata


def test_rewriting_unchanged_plan_changes_nothing(store: PlanStore, plan: Plan) -> None:
    before = store.path.stat().st_mtime_ns
    assert store.write_plan(plan) is False
    assert store.path.stat().st_mtime_ns == before


def test_migrations_are_recorded_in_order(store: PlanStore) -> None:
    with store.connect() as db:
        names = [r[0] for r in db.execute("SELECT name FROM schema_migrations ORDER BY rowid")]
    assert names == ["001_plan", "002_chunks", "003_plan_shape", "004_source_lines_and_generation"]


def test_truncated_page_is_read_with_a_warning_naming_what_is_missing(raw_text: str) -> None:
    cut = build_plan(raw_text[: raw_text.index("附件2")])
    assert len(cut.tasks) == 44 and not cut.reforms
    missing = [w for w in cut.warnings if "attachment 2" in w.message]
    assert missing and "改革攻堅事項清單" in missing[0].message.replace("攻坚", "攻堅")
    assert not [w for w in build_plan(raw_text).warnings if "attachment" in w.message]


def test_a_page_that_is_no_plan_fails_with_a_clear_message() -> None:
    with pytest.raises(ParseError, match="nothing on the page reads as a plan"):
        build_plan("just some text\nwithout a header\n")


def _cli(*args: str, index_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_ingest_is_idempotent_and_export_matches_golden(tmp_path: Path) -> None:
    first = _cli("ingest", index_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "written" in first.stdout and "44 tasks" in first.stdout
    mtime = (tmp_path / "plan.sqlite").stat().st_mtime_ns
    second = _cli("ingest", index_dir=tmp_path)
    assert "unchanged" in second.stdout
    assert (tmp_path / "plan.sqlite").stat().st_mtime_ns == mtime
    out = _cli("export", index_dir=tmp_path)
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert json.loads(out.stdout)["tasks"] == golden["tasks"]
    audit = json.loads(_cli("audit", "--json", index_dir=tmp_path).stdout)
    assert {f["status"] for f in audit} >= {"mismatch", "ambiguous", "checked"}
    csv_dir = tmp_path / "csv"
    assert _cli("export", "--format", "csv", "--out", str(csv_dir), index_dir=tmp_path).returncode == 0
    assert "task-3-1,3,深化養老服務改革發展" in (csv_dir / "tasks.csv").read_text(encoding="utf-8")


def test_cli_reports_missing_input_and_missing_index_in_one_line(tmp_path: Path) -> None:
    missing = _cli("ingest", str(tmp_path / "nope.txt"), index_dir=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    no_index = _cli("audit", index_dir=tmp_path / "empty")
    assert no_index.returncode == 2 and "assistant ingest" in no_index.stderr
