"""Small forms the reader and the profile meet on other sites' pages: each on plain strings, no page."""

from __future__ import annotations

from assistant.ingest.columns import period_of
from assistant.ingest.fixed_width import fixed_width_rows, width
from assistant.ingest.header import iso_date, label_row, paired_row, parse_header_line
from assistant.ingest.markdown import from_markdown, is_markdown
from assistant.ingest.profile import road_english, unit_aliases
from assistant.ingest.tables import row_cells
from assistant.models import SourceLine
from assistant.understand import has_any


def test_signature_dates_in_chinese_numerals() -> None:
    assert iso_date("二〇二六年二月十日") == "2026-02-10"
    assert iso_date("二○二五年十二月三十一日") == "2025-12-31"  # ○: Big5 has no 〇
    assert iso_date("二〇二六年三月二十五日") == "2026-03-25"
    assert iso_date("2026年2月10日") == "2026-02-10"
    assert iso_date("２０２６年２月１０日") == "2026-02-10"  # full-width digits, as some pages print them


def test_a_header_value_ends_at_a_tab_or_a_wide_gap() -> None:
    fields = parse_header_line("信息索引号：003145520/202602-00011\t发布机构：黟县民政局\t生成日期：2026-02-27")
    assert fields == {"index_no": "003145520/202602-00011", "publisher": "黟县民政局", "generated": "2026-02-27"}
    assert parse_header_line("發佈時間：2026-02-12 09:30　　來源：嘉興市民政局　　瀏覽次數：")["publisher"] == "嘉興市民政局"
    assert parse_header_line("公开方式：主动公开\t公开时限：常年公开")["disclosure"] == "主动公开"


def test_tab_separated_cells_keep_empty_cells() -> None:
    assert row_cells("2\t\t城区社区嵌入式养老服务综合体\t建成综合体1处") == ["2", "", "城区社区嵌入式养老服务综合体", "建成综合体1处"]
    assert row_cells("| 序号 | 地区 | 目标 |") == ["序号", "地区", "目标"]


def test_phase_columns_that_state_their_months() -> None:
    phase = period_of("第二阶段（5—8月）")
    assert phase is not None and (phase.code, phase.months, phase.label) == ("M5_8", (5, 8), "第二阶段（5—8月）")
    assert period_of("第三阶段") is None  # a phase with no months says nothing this reader can date


def test_street_units_named_after_roads_get_their_english_road_names() -> None:
    assert road_english("淮海中路") == "Huaihai Middle Road"
    assert road_english("瑞金二路") == "Ruijin No.2 Road"
    assert road_english("新北") == ""
    aliases, _ = unit_aliases("南京东路街道", ["黄浦区", "黄浦"])
    assert "Nanjing East Road Subdistrict" in aliases


def test_english_cues_match_at_the_start_of_a_word_only() -> None:
    assert has_any("how much in yuan", ("yuan",))
    assert not has_any("how many residents in yuyuan subdistrict", ("yuan",))
    assert has_any("新北区多少元", ("多少元",))


def test_markdown_marks_come_off_line_for_line() -> None:
    page = ("[首页](http://x.gov.cn/) > [计划总结](http://x.gov.cn/jhzj/)\n"
            "**发布时间：**2026-03-02　**来源：**绵阳市民政局\n"
            "## 一、坚持党建引领\n"
            "1\\. 城市低保标准提高到每人每月815元\n"
            "| 序号 | 地区 |\n|:---:|---|\n| 1 | 涪城区<br>游仙区 |\n"
            "![logo](http://x.gov.cn/logo.png)[打印](javascript:window.print\\(\\))")
    assert is_markdown(page)
    assert from_markdown(page).split("\n") == [
        "首页 > 计划总结", "发布时间：2026-03-02　来源：绵阳市民政局", "一、坚持党建引领",
        "1. 城市低保标准提高到每人每月815元", "| 序号 | 地区 |", "", "| 1 | 涪城区、游仙区 |", "打印"]
    assert not is_markdown("一、总体要求\n（一）加强组织领导。\n附件1")


def test_a_row_of_field_names_over_a_row_of_values() -> None:
    labels = label_row("索引号 发布机构 文号 成文日期 发布日期")
    assert labels == ["索引号", "发布机构", "文号", "成文日期", "发布日期"]
    assert paired_row(labels, "11440114007502194E/2026-00011 广州市花都区民政局 花民〔2026〕7号 2026-02-12 2026-02-16") == {
        "index_no": "11440114007502194E/2026-00011", "publisher": "广州市花都区民政局", "doc_number": "花民〔2026〕7号",
        "signed": "2026-02-12", "published": "2026-02-16"}
    assert paired_row(labels, "只有 三个 值") == {}
    assert label_row("索引号：123 文号：花民〔2026〕7号") == []


def test_a_header_value_ends_where_an_unknown_field_begins() -> None:
    assert parse_header_line("来源：绵阳市民政局　浏览次数：1167")["publisher"] == "绵阳市民政局"


def test_space_aligned_rows_join_their_wrapped_cells_by_display_column() -> None:
    raw = ["序号  地区      改革事项          一季度",
           "1     平江县    殡葬改革“厚养薄葬”  达到30%",
           "                试点",
           "2     汨罗市    婚俗改革实验区    制定方案",
           "注：“--”表示无此项任务。"]
    assert width("平江县") == 6 and width("1a") == 2
    lines = [SourceLine(no=k, text=x.strip(), raw=x) for k, x in enumerate(raw, start=1)]
    found = fixed_width_rows(lines)
    assert found is not None
    rows, notes = found
    assert [[c.text for c in r] for r in rows] == [["序号", "地区", "改革事项", "一季度"],
                                                 ["1", "平江县", "殡葬改革“厚养薄葬”试点", "达到30%"],
                                                 ["2", "汨罗市", "婚俗改革实验区", "制定方案"]]
    assert [n.no for n in notes] == [5]
    assert fixed_width_rows([SourceLine(no=1, text="一、总体要求")]) is None


def test_page_numbers_and_running_headers_of_a_pdf_are_furniture() -> None:
    from assistant.ingest.clean import clean

    raw = ("某某区2026年民政工作要点\n\n一、总体要求\n全年走访困难群众2400户次，\n\n    — 1 —\n"
           "\f    某某区2026年民政工作要点\n对走访中发现的问题建立台账。\n    — 2 —\n\f    某某区2026年民政工作要点\n附件1\n")
    result = clean(raw)
    reasons = {r.line: r.reason for r in result.report.removed}
    assert reasons == {6: "page: page number", 7: "page: running header or footer", 9: "page: page number",
                       10: "page: running header or footer"}
    assert [ln.no for ln in result.lines] == [1, 3, 4, 8, 11]  # a form feed starts no line of its own


def test_a_flattened_two_row_header_lists_the_spans_own_labels_first() -> None:
    from assistant.ingest.tables import split_header

    labels = ["序号", "工作任务", "目标任务", "责任单位", "任务分解", "合计", "备注", "甲区", "乙区", "丙县", "1"]
    found, parents, start = split_header([SourceLine(no=k, text=x) for k, x in enumerate(labels, start=1)])
    assert found == ["序号", "工作任务", "目标任务", "责任单位", "甲区", "乙区", "丙县", "合计", "备注"]
    assert parents == [None, None, None, None, "任务分解", "任务分解", "任务分解", None, None] and start == 10


def test_a_street_offices_issuer_names_the_street_inside_its_district() -> None:
    from assistant.ingest.profile import city_of
    from assistant.models import Plan

    plan = Plan(metadata={"issuer": "包河区人民政府烟墩街道办事处"}, sections=[], tasks=[], reforms=[])
    assert city_of(plan) == ["烟墩街道", "烟墩", "包河区", "包河"]


def test_a_zone_named_after_the_plans_own_place_keeps_its_full_english_name() -> None:
    aliases, english = unit_aliases("高淳经济开发区", ["高淳区", "高淳", "南京市", "南京"])
    assert english == "Gaochun Economic Development Zone" and "Gaochun" not in aliases


def test_named_addressees_are_places_and_kinds_of_addressee_are_not() -> None:
    from assistant.answering.view import addressee_places

    assert addressee_places("各社区居委会、村委会，云谷社区筹备组，街道各办（中心、所）") == {"云谷社区筹备组", "村委会"}


def test_a_place_whose_characters_read_two_ways_is_known_by_both_romanisations() -> None:
    # 长 reads zhang or chang: the general reading pypinyin picks first is not always the place's
    aliases, _ = unit_aliases("长坡镇", ["琼海市", "琼海"])
    assert {"Changpo", "Changpo Town", "Zhangpo Town"} <= set(aliases)


def test_cells_set_apart_by_wide_spaces_without_aligned_columns() -> None:
    from assistant.ingest.tables import gap_rows

    raw = ["序号　　工作任务　　目标任务　　责任处室　　完成时限",
           "1　　　　提高城乡低保标准　　农村低保标准提高到每人每月680元　　社会救助科　　2025年7月",
           "10　　　村（社区）儿童之家建设　　新建或提升儿童之家48个　　儿童福利科、市妇联　　2025年8月底前",
           "注：表中“无”表示不承担。"]
    rows, notes = gap_rows([SourceLine(no=k, text=t) for k, t in enumerate(raw, start=1)])
    assert [c.text for c in rows[2]] == ["10", "村（社区）儿童之家建设", "新建或提升儿童之家48个", "儿童福利科、市妇联",
                                         "2025年8月底前"]
    assert [n.no for n in notes] == [4]
    # A row that lost a cell (an empty one vanished into the gap) is no such table: the aligned reader's.
    short = [*raw[:2], "2　　低保核查　　社会救助科　　2025年9月底前"]
    assert gap_rows([SourceLine(no=k, text=t) for k, t in enumerate(short, start=1)]) is None


def test_body_items_that_schedule_a_units_project_by_quarter_are_milestone_rows() -> None:
    from assistant.ingest.body_milestones import body_reforms
    from assistant.models import Section

    text = ("1.宣州区：智慧养老服务平台建设。年度目标：平台接入服务对象5000人。一季度完成平台建设招标；"
            "二季度接入服务对象1500人；三季度累计接入3500人；四季度累计接入5000人，并开展绩效评估。")
    sections = [Section(id="s1", path=["要点", "1.宣州区"], kind="subsection", heading="宣州区", text=text, lines=(9, 9)),
                Section(id="s2", path=["要点", "1.加强领导"], kind="subsection", heading="加强领导",
                        text="1.加强领导。一季度部署，二季度推进。", lines=(11, 11))]
    reforms, periods = body_reforms(sections, ["宣州区", "郎溪县"])
    assert len(reforms) == 1 and reforms[0].district == "宣州区" and reforms[0].table == 0
    assert reforms[0].item == "智慧养老服务平台建设" and reforms[0].targets == ["平台接入服务对象5000人"]
    assert reforms[0].milestones["Q3"] == ["累计接入3500人"]
    assert reforms[0].milestones["Q4"] == ["累计接入5000人，并开展绩效评估"]
    assert [p.code for p in periods] == ["Q1", "Q2", "Q3", "Q4"]
