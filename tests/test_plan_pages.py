"""Plan pages of other shapes (tests/fixtures/plans, heldout … heldout13): read with no code change.

Exact cells of each page's tables, its metadata and its units, as the reader must find them; then the
pages' gold questions answered from real indexes (SQLite + Chroma) with a floor per page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.ingest.pipeline import read_plan
from assistant.models import Plan

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "tests" / "fixtures" / "plans"
HELDOUT = ROOT / "tests" / "fixtures" / "heldout"
HELDOUT2 = ROOT / "tests" / "fixtures" / "heldout2"
HELDOUT3 = ROOT / "tests" / "fixtures" / "heldout3"
HELDOUT4 = ROOT / "tests" / "fixtures" / "heldout4"
HELDOUT5 = ROOT / "tests" / "fixtures" / "heldout5"
HELDOUT6 = ROOT / "tests" / "fixtures" / "heldout6"
HELDOUT7 = ROOT / "tests" / "fixtures" / "heldout7"
HELDOUT8 = ROOT / "tests" / "fixtures" / "heldout8"
HELDOUT9 = ROOT / "tests" / "fixtures" / "heldout9"
HELDOUT10 = ROOT / "tests" / "fixtures" / "heldout10"
HELDOUT11 = ROOT / "tests" / "fixtures" / "heldout11"
HELDOUT12 = ROOT / "tests" / "fixtures" / "heldout12"
HELDOUT13 = ROOT / "tests" / "fixtures" / "heldout13"


def page(name: str) -> Plan:
    folder = next(f for f in (PLANS, HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4, HELDOUT5, HELDOUT6, HELDOUT7,
                                       HELDOUT8, HELDOUT9, HELDOUT10) if (f / name).exists())
    return read_plan(folder / name)


def task_with(plan: Plan, text: str):  # type: ignore[no-untyped-def]
    return next(t for t in plan.tasks if text in t.content)


def test_renamed_seed_reads_the_other_citys_units() -> None:
    plan = page("suzhou-2025-renamed.txt")
    assert plan.units == ["張家港市", "吳江區", "吳中區", "虎丘區", "姑蘇區", "相城區", "工業園區"]
    assert (len(plan.tasks), len(plan.reforms)) == (44, 15)
    assert plan.metadata["doc_number"] == "蘇民發〔2025〕1號"


def test_gbk_html_with_deadline_column_and_other_order() -> None:
    plan = page("wuxi-2026-plan.html")
    assert plan.units[:2] == ["江阴市", "宜兴市"] and len(plan.units) == 8
    beds = task_with(plan, "1500张家庭养老床位")
    assert beds.districts and beds.districts["江阴市"] == "320张"
    assert beds.extra["完成时限"] == "2026年12月"
    assert [p.label for p in plan.periods] == ["第一季度", "第二季度", "第三季度", "第四季度"]
    # 2.3个…: item 2 whose text starts with a figure, not the decimal 2.3
    assert plan.reforms[0].milestones["Q4"] == ["实现17个镇（街道）全覆盖；", "3个认知障碍照护专区投入运营。"]


def test_body_only_plan_with_header_and_signature() -> None:
    plan = page("nanjing-2024-body-only.txt")
    assert not plan.tasks and not plan.reforms and plan.units == []
    assert plan.metadata["doc_number"] == "宁民发〔2024〕12号"
    assert plan.metadata["signed"] == "2024-02-26"
    assert plan.metadata["plan_title"] == "2024年全市民政工作要点"


def test_district_plan_of_towns_with_lead_and_assisting_columns() -> None:
    plan = page("wujin-2025-district-towns.html")
    assert "湟里鎮" in plan.units and len(plan.units) == 10
    first = plan.tasks[0]
    assert first.group == "提升養老服務水平" and first.content == "新建家庭養老牀位149張。"
    assert first.districts and first.districts["湖塘鎮"] == "22"
    assert first.extra == {"配合單位": "各鎮（街道）", "合計": "149"}
    assert [p.code for p in plan.periods] == ["H1", "H2"]
    assert plan.reforms[0].extra == {"區級指導科室": "養老服務科"}


def test_unknown_tables_become_generic_rows_with_wrapped_cells_placed() -> None:
    plan = page("hangzhou-2025-unknown-table.txt")
    funds, contacts = plan.tables
    assert funds.kind == contacts.kind == "generic"
    assert funds.rows[1].cells == {"序号": "2", "项目名称": "家庭养老床位建设", "资金来源": "省级补助资金\n市级财政",
                                   "金额（万元）": "2400", "备注": "新建家庭养老床位2000张"}
    assert contacts.rows[2].cells["联系人"] == "李建华"
    assert contacts.rows[8].cells["联系电话"] == "0571-85179026"  # the page footer after it is chrome


def test_flattened_task_table_in_another_order_is_aligned() -> None:
    plan = page("kunshan-2026-traditional.txt")
    beds = plan.tasks[0]
    assert beds.group == "居家社區養老服務" and beds.content == "新建家庭養老床位450張。"
    assert beds.districts and beds.districts["玉山鎮"] == "95張" and beds.districts["花橋經濟開發區"] == "65張"
    assert beds.extra == {"完成時間": "12月底前"}
    charity = plan.tasks[-1]
    assert charity.citywide == "各區鎮社區慈善基金村（社區）覆蓋率達100%。"  # one cell across every unit column
    assert plan.reforms[0].milestones["Q3"] == ["首個綜合體投入運營；", "20張認知障礙照護床位投用。"]
    # a wide milestone table has one row per item: no row may borrow the item of the row above
    assert [r.district for r in plan.reforms] == ["玉山鎮", "周市鎮", "張浦鎮", "周莊鎮", "千燈鎮", "花橋經濟開發區"]
    assert plan.reforms[4].item.startswith("困難群眾")


def test_county_html_with_half_year_milestones_and_two_fields_per_header_line() -> None:
    plan = page("changshu-2026-county-html.html")
    assert plan.metadata["publisher"] == "常熟市民政局" and plan.metadata["signed"] == "2026-02-08"
    assert plan.metadata["doc_number"] == "常民发〔2026〕6号"
    assert len(plan.units) == 10 and [p.code for p in plan.periods] == ["H1", "H2"]
    assert plan.reforms[0].extra["责任科室"] == "养老服务科"


def test_flattened_milestones_with_a_column_after_the_periods() -> None:
    plan = page("yangzhou-2025-flat-scrape.txt")
    assert "蜀岡—瘦西湖風景名勝區" in plan.units
    first = plan.reforms[0]
    assert first.item == "“幸福睦鄰”農村互助養老提升"
    assert first.targets == ["改造提升農村互助養老睦鄰點5個，組建“銀齡互助”志願服務隊15支。"]
    assert first.milestones["Q2"] == ["建成首批3個睦鄰點。"]
    assert first.extra == {"市級責任處室": "養老服務處"}


def test_headerless_plan_reads_its_signature_after_the_attachment_list() -> None:
    plan = page("xuzhou-2027-plain.txt")
    assert plan.metadata["signed"] == "2027-01-15" and plan.metadata["publisher"] == "徐州市民政局"
    assert len(plan.tasks) == 16 and not plan.warnings
    assert plan.tasks[0].responsible == ["养老服务处"] and plan.tasks[0].extra == {"完成时限": "11月底前"}


def test_pipe_separated_tables_and_a_transposed_figures_table() -> None:
    plan = page("nantong-2027-mixed.txt")
    assert plan.metadata["doc_number"] == "通民发〔2027〕1号" and plan.metadata["published"] == "2027-02-25"
    projects = next(t for t in plan.tables if t.attachment == 1)
    assert projects.columns == ["序号", "项目名称", "建设内容", "牵头单位", "完成时间"] and len(projects.rows) == 8
    assert projects.rows[6].cells["完成时间"] == "2027年5月20日前"
    assert plan.units == ["海安市", "如皋市", "如东县", "启东市", "通州区", "海门区", "崇川区"]
    beds, meals, homes = plan.tasks
    assert beds.districts["如皋市"] == "300" and beds.extra == {"合计": "1800"}
    assert meals.districts["崇川区"] == "22" and homes.districts["崇川区"] == "--"
    assert any(s.text.startswith("注：") for s in plan.sections if s.id == "sec-att2")


def test_unit_column_named_by_the_kind_of_unit_and_numbered_items_inside_flat_cells() -> None:
    plan = page("haimen-2025-street-flat.txt")
    assert [r.district for r in plan.reforms] == ["海门街道", "三厂街道", "三星镇", "常乐镇", "悦来镇", "包场镇"]
    assert plan.reforms[2].milestones["H2"] == ["开展暑期托管服务2期；", "关爱服务覆盖流动儿童500人次。"]
    assert plan.tasks[0].extra["备注"] == "10月底前完成，纳入区政府民生实事项目"


def test_header_as_name_then_value_and_items_that_start_with_a_month() -> None:
    plan = page("taizhou-2026-traditional.html")
    assert plan.metadata["doc_number"] == "臺民發〔2026〕4號" and plan.metadata["published"] == "2026-03-02"
    assert plan.tasks[0].extra["配合單位"] == "市財政局、市衞生健康委"
    funeral = [s for s in plan.sections if len(s.path) > 3 and s.path[2] == "（一）深化殯葬改革"]
    assert [s.path[-1][:2] for s in funeral] == ["1.", "2."]
    assert plan.reforms[2].district == "黃岩區" and plan.reforms[2].extra == {"備註": "區慈善總會協同"}


def test_gbk_page_with_deadline_after_the_units_and_month_range_milestones() -> None:
    plan = page("yancheng-2026-county-gbk.html")
    assert plan.metadata["doc_number"] == "盐民发〔2026〕2号" and len(plan.units) == 9
    assert [p.code for p in plan.periods] == ["Q1", "Q2", "Q3", "Q4"]
    beds = plan.tasks[0]
    assert beds.districts["东台市"] == "180张" and beds.extra == {"完成时限": "11月底前"}
    assert "响水县" not in {r.district for r in plan.reforms}


def test_timeline_table_one_row_per_checkpoint_and_part_headings() -> None:
    plan = page("kunshan-town-2025-plain.txt")
    assert plan.metadata["plan_title"] == "昆山市千灯镇社会事业局2025年民政工作要点"
    assert plan.metadata["doc_number"] == "千社事〔2025〕6号"
    assert [s.path[1] for s in plan.sections if len(s.path) == 2][:2] == ["第一部分 总体要求", "第二部分 重点任务"]
    first = plan.reforms[0]
    assert (first.district, first.item) == ("炎武社区", "“亭林长者之家”嵌入式养老服务")
    assert first.milestones["M7"] == ["完成装修改造，设置日间照料床位15张"] and first.milestones["M5"] == []
    beds = plan.tasks[0]
    assert (beds.group, beds.content, beds.districts["陶桥村"]) == ("家庭养老床位", "新建家庭养老床位60张", "6张")


def test_word_export_with_the_notice_after_the_attachments() -> None:
    plan = page("lianyungang-2026-word-export.html")
    assert plan.metadata["doc_number"] == "连民发〔2026〕3号"
    assert (plan.metadata["issuer"], plan.metadata["signed"]) == ("连云港市民政局", "2026-02-10")
    assert any(s.id == "sec-closing" and "6月25日前" in s.text for s in plan.sections)
    assert [p.code for p in plan.periods] == ["M3", "M6", "M9", "M12"]
    assert plan.tasks[0].districts["徐圩新区"] == "30"


def test_tab_separated_rows_in_long_form_one_row_per_unit_and_indicator() -> None:
    plan = page("yixian-2026-county-long.txt")
    assert plan.metadata["index_no"] == "003145520/202602-00011"  # 信息索引号, tab-separated fields
    assert (plan.metadata["doc_number"], plan.metadata["disclosure"]) == ("黟民〔2026〕6号", "主动公开")
    assert len(plan.units) == 8 and plan.units[-1] == "洪星乡"
    meals = task_with(plan, "新增老年助餐点")
    assert meals.districts is not None and (meals.districts["宏村镇"], meals.districts["宏潭乡"]) == ("2个", "--")
    assert meals.responsible == ["养老服务股"]
    assert "宏村镇：6月底前" in meals.extra["完成时限"]  # a deadline that differs by unit is kept per unit
    assert [p.code for p in plan.periods] == ["M1_4", "M5_8", "M9_12"]  # 第一阶段（1—4月）…
    second = plan.reforms[1]  # its 乡镇 cell was merged with the row above and flattened empty
    assert (second.district, second.milestones["M9_12"]) == ("碧阳镇", ["10月底前开放运营，日均服务老年人50人次"])


def test_nested_layout_tables_with_indicators_by_street_and_half_years() -> None:
    plan = page("huangpu-2026-nested-layout.html")
    assert plan.metadata["doc_number"] == "黄民发〔2026〕3号" and plan.metadata["published"] == "2026-02-11"
    beds = next(t for t in plan.tasks if t.table == 2 and t.content == "新增养老床位")
    assert beds.districts is not None and beds.districts["五里桥街道"] == "50" and beds.extra["全区"] == "300"
    assert [p.code for p in plan.periods] == ["H1", "H2"]


def test_big5_page_dated_in_chinese_numerals_with_the_doc_number_under_a_repeated_title() -> None:
    plan = page("jiaxing-2026-big5.html")
    assert plan.metadata["doc_number"] == "嘉民發〔2026〕5號"
    assert (plan.metadata["signed"], plan.metadata["published"]) == ("2026-02-10", "2026-02-12")
    assert plan.tasks[0].districts is not None and plan.tasks[0].districts["海寧市"] == "180張"
    assert [p.label for p in plan.periods] == ["1—3月", "4—6月", "7—9月", "10—12月"]


def test_markdown_scrape_reads_units_from_the_row_under_the_rule() -> None:
    """A reader-mode Markdown page: `## 一、` headings, `**label：**` header lines, a `|`-table whose unit
    names sit in the first row under `|---|` and whose other labels are written once, above."""
    plan = page("mianyang-2026-markdown.txt")
    assert plan.units == ["涪城区", "游仙区", "安州区", "江油市", "三台县", "盐亭县", "梓潼县", "北川县", "平武县"]
    assert (plan.metadata["doc_number"], plan.metadata["publisher"]) == ("绵民发〔2026〕8号", "绵阳市民政局")
    beds = task_with(plan, "新建家庭养老床位1200张")
    assert beds.responsible == ["养老服务科"] and beds.districts is not None and beds.districts["江油市"] == "200"
    assert beds.extra["合计"] == "1200" and beds.extra["完成时限"] == "11月底前"
    annual = task_with(plan, "社会组织年检参检率")
    assert annual.citywide == "各县（市、区）民政局于6月20日前将年检初审结果报市民政局"
    assert [p.label for p in plan.periods] == ["第1季度", "第2季度", "第3季度", "第4季度"]
    item = next(s for s in plan.sections if s.id == "sec-2-1-1")  # `1\.` unescaped: an item under （一）
    assert item.path[-1].startswith("1.城市低保标准提高到每人每月815元")


def test_three_row_header_names_units_by_stem_and_kind_and_a_label_row_over_values() -> None:
    """任务分解 › 街道 | 镇 › 新华 | 狮岭: the kind completes the stem; a header table of names over values;
    a table inside the body titled by the line above it."""
    plan = page("huadu-2026-gb2312-district.html")
    assert plan.units[:5] == ["新华街道", "新雅街道", "秀全街道", "花城街道", "花山镇"] and len(plan.units) == 10
    assert plan.metadata["doc_number"] == "花民〔2026〕7号"
    assert (plan.metadata["signed"], plan.metadata["published"]) == ("2026-02-12", "2026-02-16")
    beds = task_with(plan, "新建家庭养老床位400张")
    assert beds.districts is not None and beds.districts["狮岭镇"] == "55" and beds.extra["完成时限"] == "12月31日前"
    funds = next(t for t in plan.tables if t.attachment == 3)
    assert funds.title == "2026年镇（街道）民政专项资金安排表"
    assert task_with(plan, "小计").districts == {**task_with(plan, "小计").districts, "狮岭镇": "96"}  # type: ignore[dict-item]


def test_one_cell_per_line_page_with_a_shared_unit_cell_and_bare_figure_targets() -> None:
    plan = page("quanzhou-2027-hant-cells.txt")
    beds = plan.tasks[0]
    assert (beds.group, beds.content) == ("新建家庭養老床位", "新建家庭養老床位1600張")
    assert beds.districts is not None and beds.districts["晉江市"] == "300張" and beds.extra["完成時限"] == "11月底前"
    assert len(plan.tasks) == 8  # the 注 under the table is a note, not a row
    shared = [r for r in plan.reforms if r.item == "古城“嵌入式”養老服務聯合體"]
    assert [r.district for r in shared] == ["鯉城區", "豐澤區"] and len({r.id for r in plan.reforms}) == len(plan.reforms)


def test_space_aligned_columns_with_wrapped_cells() -> None:
    """Columns of spaces (a Chinese character two wide), long cells wrapped onto indented lines."""
    plan = page("yueyang-2025-space-columns.txt")
    assert len(plan.units) == 9 and plan.units[0] == "岳阳楼区"
    beds = plan.tasks[0]
    assert (beds.group, beds.content) == ("新增养老机构护理型床位", "新增护理型床位1200张，护理型床位占比达到65%")
    assert beds.districts is not None and beds.districts["平江县"] == "170" and beds.extra["完成时间"] == "11月底前"
    rated = next(t for t in plan.tasks if "等级评估" in t.content)
    assert rated.content == "完成社会组织等级评估150家" and rated.responsible[0].startswith("社会组织管理科")
    meals = next(t for t in plan.tasks if "助餐" in t.content)
    assert meals.districts is not None and meals.districts["云溪区"] == "≥8" and meals.districts["君山区"] == "不少于6"
    assert [r.district for r in plan.reforms].count("平江县") == 2 and plan.reforms[0].milestones["Q3"] == ["累计建成3个"]


def test_a_pdf_converted_with_layout_keeps_its_table_across_the_page_break() -> None:
    plan = page("gaochun-2026-pdf-layout.txt")
    assert plan.units[-1] == "高淳经济开发区" and len(plan.units) == 9  # 高淳经济 over 开发区 on two header lines
    assert len(plan.tasks) == 8  # rows 5–8 after the page footer, running header and repeated header
    visits = next(t for t in plan.tasks if "走访" in t.content)
    assert visits.districts is not None and visits.districts["淳溪街道"] == "360"
    homes = next(t for t in plan.tasks if "适老化" in t.content)
    assert homes.responsible == ["养老服务科", "区残联"] and homes.group == "特殊困难老年人家庭适老化改造"
    assert [r.district for r in plan.reforms].count("砖墙镇") == 2 and plan.reforms[4].milestones["M6"] == ["累计5个"]
    assert not any(re.search(r"— \d+ —", s.text) for s in plan.sections)  # page numbers are no text


def test_communities_and_villages_are_unit_columns() -> None:
    plan = page("yandun-2026-community-html.html")
    assert plan.units[-5:] == ["卫王村", "鲍岗村", "南河村", "新街村", "保兴村"] and len(plan.units) == 11
    beds = next(t for t in plan.tasks if "家庭养老床位" in t.content)
    assert beds.districts is not None and beds.districts["鲍岗村"] == "11"


def test_a_flattened_two_row_header_puts_the_spans_own_labels_after_its_units() -> None:
    plan = page("wuhu-2027-chapter-parts.txt")
    beds = plan.tasks[0]
    assert beds.districts is not None and beds.districts["弋江区"] == "140" and beds.districts["无为市"] == "210"
    assert beds.extra == {"合计": "1100", "备注": "10月底前完成"}
    assert next(t for t in plan.tables if t.attachment == 3).kind == "generic"


def test_tables_printed_inside_the_body_under_their_numbers_are_read() -> None:
    plan = page("gongcheng-2027-body-tables.txt")
    assert len(plan.units) == 9 and plan.units[-1] == "龙虎乡"
    beds = plan.tasks[0]
    assert beds.districts is not None and beds.districts["平安镇"] == "16" and beds.extra["完成时限"] == "10月底前"
    assert plan.reforms[0].milestones["M9"] == ["累计建成3个"] and plan.reforms[0].extra["责任股室"] == "养老服务股"
    assert any("按月推进" in s.text for s in plan.sections)  # the body after the table is still body


def test_a_libreoffice_export_with_group_rows_and_a_transposed_page() -> None:
    enshi = page("enshi-2026-libreoffice-html.html")
    assert len(enshi.units) == 8 and len(enshi.reforms) == 7
    beilin = page("beilin-2026-transposed-html.html")
    homes = next(t for t in beilin.tasks if "适老化" in t.content)
    assert homes.districts is not None and homes.districts["南院门街道"] == "80" and homes.extra["合计"] == "560"


def test_a_grouped_thead_with_per_column_offices_and_deadlines_in_the_tfoot() -> None:
    plan = page("liaocheng-2026-grouped-thead.html")
    assert len(plan.units) == 8 and plan.units[0] == "东昌府区"  # the 全市 row under the header is no unit
    beds = plan.tasks[0]
    assert beds.group == "养老服务" and beds.content == "新增家庭养老床位(张)"  # the colspan group over the column
    assert beds.districts is not None and beds.districts["临清市"] == "210" and beds.extra["全市"] == "1400"
    homes = task_with(plan, "适老化改造")
    assert homes.responsible == ["养老服务科", "市残联"]  # one <br>-split tfoot cell, two offices
    assert task_with(plan, "老年助餐点").extra["完成时限"] == "10月底前"  # only in the tfoot
    assert task_with(plan, "农村幸福院").districts["东昌府区"] == "/"  # type: ignore[index]


def test_four_dated_steps_in_one_cell_become_the_milestones_of_their_months() -> None:
    plan = page("liaocheng-2026-grouped-thead.html")
    first = plan.reforms[0]
    assert (first.district, first.targets) == ("东昌府区", ["建成嵌入式养老服务综合体5个"])
    assert first.milestones == {"M3": ["完成选址和设计方案"], "M6": ["建成2个"], "M9": ["累计建成4个"],
                                "M12": ["全部建成5个并投入运营"]}
    assert [r.district for r in plan.reforms].count("莘县") == 2 and plan.reforms[5].extra["责任科室"] == "慈善社工科"


def test_bracketed_header_fields_and_a_long_table_whose_merged_cells_appear_once() -> None:
    plan = page("zhengding-2027-hant-stepwise.txt")
    assert plan.metadata["doc_number"] == "正民〔2027〕6號" and plan.metadata["published"] == "2027-02-03"
    assert plan.metadata["index_no"] == "11130123MB0E72468X/2027-00011"
    assert len(plan.units) == 9 and plan.units[-1] == "曲陽橋鄉"
    assert task_with(plan, "助餐點").responsible == ["養老服務股", "縣市場監管局"]
    assert task_with(plan, "家庭養老床位").extra["完成時限"] == "2027年10月31日前"
    # a project's first step carries 序號, 鄉鎮, 項目 and 責任股室; each further step only its date and goal
    assert [(r.district, r.item[:4]) for r in plan.reforms][2:4] == [("新城鋪鎮", "低收入人"), ("新城鋪鎮", "困境兒童")]
    irregular = plan.reforms[3]
    assert {k: v for k, v in irregular.milestones.items() if v} == {
        "M5": ["建成童心驛站2個"], "M8": ["暑期託管服務達到600人次"], "M11": ["累計建成驛站4個，服務兒童1500人次"]}
    assert irregular.extra["責任股室"] == "兒童福利股"


def test_a_task_table_split_over_two_tables_with_rowspan_offices() -> None:
    plan = page("quanchenglu-2026-gb18030-split-table.html")
    assert len(plan.tasks) == 10 and len(plan.units) == 8
    assert plan.tasks[1].responsible == ["社会事务办公室"]  # the rowspan opened on the row above
    assert plan.tasks[8].responsible == ["社区建设办公室"]  # the same in the continued table
    assert plan.tasks[9].extra["完成时限"] == "11月底前" and plan.tasks[9].districts["百花洲社区"] == "0"  # type: ignore[index]
    assert plan.reforms[0].milestones["M5_8"] == ["建成长者驿站1处，开展助浴助洁服务200人次"]


def test_a_pre_block_with_a_table_drawn_in_box_characters() -> None:
    plan = page("qionghai-2026-pre-boxtable.html")
    assert len(plan.units) == 12 and plan.units[0] == "嘉积镇" and plan.units[-1] == "会山镇"
    assert any("低保标准统一由每人每" in s.text for s in plan.sections)  # the body inside the <pre> is read
    beds = plan.tasks[0]
    assert beds.group == "养老服务" and beds.content == "新增家庭养老床位（张）"  # a cell wrapped over two lines
    assert beds.districts is not None and beds.districts["嘉积镇"] == "90" and beds.extra["全市目标"] == "320"
    # 牵头：…；配合：… in one cell: the lead is responsible, the other is kept under its own label
    assert beds.responsible == ["养老服务股"] and beds.extra["配合"] == "市卫生健康委"
    assert [t.group for t in plan.tasks].count("养老服务") == 3  # a 类别 cell open over three rows (rowspan)
    # 嘉积镇 has two projects: its 镇 cell runs on where the rule line under it is blank
    assert [r.district for r in plan.reforms[:3]] == ["嘉积镇", "嘉积镇", "万泉镇"]
    assert plan.reforms[1].milestones["M7"] == ["累计安装120台"]
    assert plan.metadata["doc_number"] == "海民发〔2026〕7号"


def test_one_card_per_unit_with_indicator_lines_and_notes_that_explain_them() -> None:
    plan = page("jiefangbei-2026-wechat-cards.html")
    assert len(plan.units) == 8 and "人民公园社区" in plan.units
    beds = plan.tasks[0]
    assert beds.content == "家庭养老床位" and beds.districts is not None and beds.districts["较场口社区"] == "10张"
    assert beds.extra["街道目标"] == "60张"  # from the 街道目标 line above the cards
    assert beds.responsible == ["社会事务办"] and beds.extra["配合"] == "社区卫生服务中心"  # from 任务说明
    assert beds.extra["完成时限"] == "10月底前完成建设验收"
    assert plan.metadata["published"] == "2026-03-09"  # the article's byline: 2026年3月9日 18:30
    signs = task_with(plan, "门牌楼牌")
    assert signs.districts is not None and signs.districts["五一路社区"].startswith("本年度不安排")


def test_header_fields_printed_under_the_text_and_a_page_label_after_a_value() -> None:
    plan = page("yichun-2026-inline-quotas.html")
    assert plan.metadata["publisher"] == "宜春市民政局"  # not …浏览次数：1386字体：…
    assert plan.metadata["doc_number"] == "宜民字〔2026〕3号"  # printed at the foot of the page
    # the notice's 附件：… list is no attachment mark: the table under 附件 is attachment 1
    assert not plan.warnings or all("no column header" not in w.message for w in plan.warnings)
    assert len(plan.reforms) == 7 and plan.reforms[0].milestones["M1_2"] == ["完成选址布点"]
    # the attachment names six units; the body's 其中：… breakdowns name all ten
    assert len(plan.units) == 10 and {"奉新县", "宜丰县", "靖安县", "万载县"} <= set(plan.units)


@pytest.mark.parametrize(("folder", "floor"), [(PLANS, 0.85), (HELDOUT, 0.85), (HELDOUT2, 0.85), (HELDOUT3, 0.85),
                                               (HELDOUT4, 0.85), (HELDOUT5, 0.85), (HELDOUT6, 0.85),
                                               (HELDOUT7, 0.85), (HELDOUT8, 0.85), (HELDOUT9, 0.85),
                                               (HELDOUT10, 0.8), (HELDOUT11, 0.85), (HELDOUT12, 0.85),
                                               (HELDOUT13, 0.85)],
                         ids=["plans", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6",
                              "heldout7", "heldout8", "heldout9", "heldout10", "heldout11", "heldout12",
                              "heldout13"])
def test_gold_questions_of_every_page_are_answered(folder: Path, floor: float, tmp_path: Path) -> None:
    """Each page in its own real index; accuracy per page above the floor and no unsupported number."""
    from assistant.config import get_settings
    from assistant.evaluation.plans import run_plan_evals

    questions = ROOT / "eval" / ("plans" if folder == PLANS else folder.name)
    results = run_plan_evals(folder, questions, tmp_path / "reports", get_settings())
    assert len(results) >= 2
    for r in results:
        overall = r.summary["overall"]
        assert overall["accuracy"] >= floor, (r.page, overall["accuracy"], [f["id"] for f in r.failures])
        assert not overall["unsupported_numbers"], (r.page, [f for f in r.failures if f.get("unsupported")])



def test_csv_attachments_in_utf16_with_short_unit_headers_and_two_line_cells() -> None:
    # UTF-16 LE with a BOM; 附件1 is CSV whose quoted cells hold 1,300 and two bodies on two lines, and
    # whose unit columns are headed 城關 / 皋蘭 while the page writes 城關區 (and never 皋蘭縣).
    plan = read_plan(HELDOUT12 / "lanzhou-2028-hant-utf16-csv.txt")
    meals = next(t for t in plan.tasks if "助餐點" in t.content)
    assert meals.responsible == ["養老服務處", "市市場監管局"]
    assert meals.districts is not None and meals.districts["城關區"] == "16" and meals.districts["皋蘭"] == "5"
    assert list(meals.districts)[:2] == ["城關區", "七里河區"] and len(meals.districts) == 8
    assert plan.tasks[0].content.endswith("1,300戶")
    assert {r.district for r in plan.reforms} >= {"城關區", "榆中縣"}


def test_div_tables_by_aria_roles_and_a_css_grid_split_by_its_stylesheet() -> None:
    # 附件1 is div.tr/div.td rows with role="row"; 附件2 is a flat CSS grid whose column count and
    # row/column spans are only in the page's <style> (8 columns, 时间节点 over three, rs2 headers).
    plan = read_plan(HELDOUT12 / "wuchang-2027-css-grid.html")
    first = plan.tasks[0]
    assert first.content == "完成低保家庭入户复核2800户" and first.responsible == ["社会救助科"]
    assert first.districts is not None and first.districts["积玉桥街道"] == "210" and len(first.districts) == 14
    assert [p.code for p in plan.periods] == ["H1", "M1_9", "M1_12"]  # 上半年 / 前三季度 / 全年
    assert plan.reforms[0].milestones == {"H1": ["建成1个"], "M1_9": ["累计建成2个"], "M1_12": ["累计建成3个并投入运营"]}


def test_a_spreadsheet_page_is_cut_into_its_attachments_with_merged_columns_as_one() -> None:
    # The whole notice is one Excel sheet saved as a web page: 附件 rows start each table, the narrower
    # tables' cells are merged over several sheet columns, and the 印发 foot is text again.
    plan = read_plan(HELDOUT12 / "anshun-2026-excel-webpage.html")
    beds = next(t for t in plan.tasks if t.content == "新增家庭养老床位")
    assert beds.districts is not None and beds.districts["平坝区"] == "160" and beds.extra["全市目标"] == "1,200"
    assert plan.tables[1].columns == ["序号", "县(区)", "改革攻坚事项", "年度目标", "3月31日前", "6月30日前",
                                      "9月30日前", "12月31日前", "责任科室"]
    assert plan.reforms[1].milestones["M6"] == ["处置率达到80%"]
    assert plan.metadata["printed"] == "2026-03-02" and plan.metadata["signed"] == "2026-02-26"  # 版记 印发 date
