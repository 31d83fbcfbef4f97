"""Flattened table lines aligned to the header's columns (assistant.ingest.flat_grid) — no index needed."""

from __future__ import annotations

from assistant.ingest.columns import classify
from assistant.ingest.flat_grid import align, align_row
from assistant.models import SourceLine


def lines(*texts: str) -> list[SourceLine]:
    return [SourceLine(no=i, text=t) for i, t in enumerate(texts, start=1)]


def test_wrapped_group_missing_seq_and_values_find_their_columns() -> None:
    layout = classify(["序号", "工作任务", "目标要求", "甲镇", "乙镇", "责任部门", "完成时间"], [None, None, None, "任务分解",
                                                                               "任务分解", None, None])
    body = lines("1", "居家社区", "养老服务", "新建床位100张。", "60张", "40张", "市民政局", "12月底前",
                 "新增助餐点5个。", "3个", "2个", "市民政局", "市财政局", "9月底前")
    rows = align(body, layout)
    cells = [{layout.labels[c]: [ln.text for ln in cell] for c, (cell, _) in row.items()} for row in rows]
    assert cells == [
        {"序号": ["1"], "工作任务": ["居家社区", "养老服务"], "目标要求": ["新建床位100张。"], "甲镇": ["60张"],
         "乙镇": ["40张"], "责任部门": ["市民政局"], "完成时间": ["12月底前"]},
        # a merged 序号 and 工作任务 appear on their first row only
        {"目标要求": ["新增助餐点5个。"], "甲镇": ["3个"], "乙镇": ["2个"], "责任部门": ["市民政局", "市财政局"],
         "完成时间": ["9月底前"]},
    ]


def test_one_sentence_across_every_unit_column_spans_them() -> None:
    layout = classify(["序号", "工作任务", "目标要求", "甲镇", "乙镇", "丙镇", "完成时间"],
                      [None, None, None, "任务分解", "任务分解", "任务分解", None])
    rows = align(lines("1", "社区慈善", "推进基金全覆盖。", "各镇基金覆盖率达100%。", "12月底前"), layout)
    ((cell, span),) = [v for c, v in rows[0].items() if layout.roles[c] == "units"]
    assert span == 3 and cell[0].text == "各镇基金覆盖率达100%。"


def test_a_row_of_an_unknown_table_places_a_wrapped_cell() -> None:
    layout = classify(["序号", "项目名称", "资金来源", "金额（万元）", "备注"])
    cells = align_row(lines("2", "家庭养老床位建设", "省级补助资金", "市级财政", "2400", "新建床位2000张"), layout)
    assert cells == {"序号": "2", "项目名称": "家庭养老床位建设", "资金来源": "省级补助资金\n市级财政",
                     "金额（万元）": "2400", "备注": "新建床位2000张"}
