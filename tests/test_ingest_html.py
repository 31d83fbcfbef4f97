"""The HTML path: a page rendered from the text path's reconstruction of the real plan reads back the same.

The page is what a publisher's site would serve: a disclosure header table, the notice and body as
paragraphs, `附件1` and `附件2` each followed by a `<table>` with rowspans for merged 序號/工作名稱 and
轄市(區) cells, colspan=7 for city-wide cells, five cells for the row the plan leaves ambiguous, and the
page-break repetition of groups 3 and 8. Site chrome, injected spam and scripts are mixed in.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import ParseError
from assistant.export import plan_document
from assistant.ingest.html import build_plan_from_html
from assistant.ingest.pipeline import read_plan
from assistant.models import Plan, Task

TASK_FIELDS = set(
    "id group_no group seq content responsible districts citywide unassigned_values unit_values ambiguous".split()
)
REFORM_FIELDS = {"id", "no", "district", "item", "targets", "milestones"}
SECTION_FIELDS = {"id", "path", "kind", "heading", "text"}
# The published table repeats the group's 序號 and 工作名稱 after a page break before these rows
# (raw lines 268 and 514); the page renders the first as a new table and the second as repeated rows.
NEW_TABLE_AT, REPEATED_GROUP_AT = "task-3-5", "task-8-2"
SPAM_IN_BODY = "在线播放,无码视频,一区二区,国产精品,亚洲日韩"
SCRIPT_TEXT = "document.write('国产精品免费观看')"
CHROME = ("您當前的位置:", "首頁 >> 政務公開 >> 正文", "瀏覽次數:", "掃一掃在手機打開當前頁")
PARAGRAPH_BREAK = "</p>\n<p>"
# The seed's unit columns, as its task table's header names them (tests may name the seed's data).
UNITS = ("溧陽市", "金壇區", "武進區", "新北區", "天寧區", "鐘樓區", "經開區")
INLINE_NUMBERED = (8, "Q3")  # this cell's items are written in one paragraph: 1.…。2.…。


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def raw_cell(raw_lines: list[str], span: tuple[int, int], sep: str = "<br>\n") -> str:
    """The fragments the text path joined into one cell, as lines of one HTML cell."""
    return sep.join(
        esc(raw_lines[i - 1].strip()) for i in range(span[0], span[1] + 1) if raw_lines[i - 1].strip()
    )


def wrapped(title: str) -> str:
    """Titles wrap in the published table (深化政治 / 機關建設)."""
    return f"{esc(title[:4])}<br>{esc(title[4:])}" if len(title) >= 8 else esc(title)


def task_header(repeat: bool = True) -> list[str]:
    if not repeat:
        return []
    return [
        "<thead>",
        '<tr><th rowspan="2">序號</th><th rowspan="2">工作名稱</th><th rowspan="2">主要內容</th>'
        '<th rowspan="2">責任單位</th><th colspan="7">任務分解</th></tr>',
        "<tr>" + "".join(f"<th>{d}</th>" for d in UNITS) + "</tr>",
        "</thead>",
    ]


def task_row(t: Task, raw_lines: list[str], group_cells: list[str], drop_units: bool) -> list[str]:
    out = ["<tr>", *group_cells, f"<td>{esc(t.content)}</td>"]
    if not drop_units:
        out.append("<td>" + "<br>\n".join(esc(u) for u in t.responsible) + "</td>")
    if t.districts is not None:
        out += [f"<td>{raw_cell(raw_lines, t.cell_lines[d])}</td>" for d in UNITS]
    elif t.citywide is not None:
        out.append(f'<td colspan="7">{raw_cell(raw_lines, t.cell_lines["citywide"])}</td>')
    else:
        out += [f"<td>{esc(v)}</td>" for v in t.unassigned_values or []]
    return [*out, "</tr>"]


def task_tables(
    plan: Plan, raw_lines: list[str], *, header: bool, repeat_header: bool, drop_units_of: str
) -> str:
    segments: list[list[Task]] = []
    for t in plan.tasks:
        if (
            not segments
            or t.group_no != segments[-1][0].group_no
            or t.id in (NEW_TABLE_AT, REPEATED_GROUP_AT)
        ):
            segments.append([t])
        else:
            segments[-1].append(t)
    tables: list[list[str]] = [
        ['<table class="task" border="1">', *(task_header() if header else []), "<tbody>"]
    ]
    for seg in segments:
        if seg[0].id == NEW_TABLE_AT:
            tables[-1] += ["</tbody>", "</table>"]
            tables.append(['<table class="task" border="1">', *task_header(repeat_header), "<tbody>"])
        for i, t in enumerate(seg):
            group = (
                [
                    f'<td rowspan="{len(seg)}">{t.group_no}</td>',
                    f'<td rowspan="{len(seg)}">{wrapped(t.group)}</td>',
                ]
                if i == 0
                else []
            )
            tables[-1] += task_row(t, raw_lines, group, drop_units=t.id == drop_units_of)
    tables[-1] += ["</tbody>", "</table>"]
    return "\n".join(line for table in tables for line in table)


def reform_table(plan: Plan, raw_lines: list[str], *, header: bool, drop_q4_of: int) -> str:
    out = ['<table class="reform" border="1">']
    if header:
        out += [
            '<tr><th rowspan="2">序號</th><th rowspan="2">轄市（區）</th><th rowspan="2">改革事項</th>'
            '<th rowspan="2">任務目標</th><th colspan="4">實施方案和序時進度</th></tr>',
            "<tr><th>一季度</th><th>二季度</th><th>三季度</th><th>四季度</th></tr>",
        ]
    for k, r in enumerate(plan.reforms):
        out += ["<tr>", f"<td>{r.no}</td>"]
        if k == 0 or plan.reforms[k - 1].district != r.district:
            run = next(
                (j for j in range(k, len(plan.reforms)) if plan.reforms[j].district != r.district), None
            )
            out.append(f'<td rowspan="{(run or len(plan.reforms)) - k}">{r.district}</td>')
        out.append(f"<td>{raw_cell(raw_lines, r.cell_lines['item'])}</td>")
        for column in ("target", "Q1", "Q2", "Q3", "Q4"):
            if column == "Q4" and r.no == drop_q4_of:
                continue
            if (r.no, column) == INLINE_NUMBERED:
                out.append(f"<td><p>{raw_cell(raw_lines, r.cell_lines[column], sep='')}</p></td>")
            else:
                paragraphs = raw_cell(raw_lines, r.cell_lines[column], sep=PARAGRAPH_BREAK)
                out += ["<td>", f"<p>{paragraphs}</p>", "</td>"]
        out.append("</tr>")
    return "\n".join([*out, "</table>"])


def render_page(
    plan: Plan,
    raw_lines: list[str],
    *,
    repeat_header: bool = True,
    task_header_row: bool = True,
    reform_header_row: bool = True,
    drop_units_of: str = "",
    drop_q4_of: int = 0,
    layout_table: bool = False,
) -> str:
    """The plan as a publisher's HTML page, one element per source line so line numbers are checkable."""
    m = plan.metadata
    body: list[str] = [
        '<table class="xxgk">',
        f'<tr><td>信息名稱:</td><td colspan="5">{esc(m["title"])}</td></tr>',
        f'<tr><td>索 引 號:</td><td colspan="5">{esc(m["index_no"])}</td></tr>',
        f"<tr><td>法定主動公開分類:</td><td>{m['category']}</td><td>公開方式:</td><td>{m['disclosure']}</td></tr>",
        f"<tr><td>文件編號:</td><td>{m['doc_number']}</td><td>發布機構:</td><td>{m['publisher']}</td></tr>",
        f"<tr><td>生成日期:</td><td>{m['generated']}</td><td>公開日期:</td><td>{m['published']}</td>"
        f"<td>廢止日期:</td><td>{m['expiry']}</td></tr>",
        f'<tr><td>內容概述:</td><td colspan="5">{esc(m["summary"])}</td></tr>',
        "</table>",
        '<div class="article">',
    ]
    for section in plan.sections:
        tag = "h3" if section.kind == "chapter" else "p"
        body += [f"<{tag}>{esc(line)}</{tag}>" for line in section.text.split("\n")]
        if section.id == "sec-notice":
            body.append(f'<h2 class="title">{esc(m["plan_title"])}</h2>')
        if section.id == "sec-3":
            body.append(f"<p>{SPAM_IN_BODY}</p>")
    body += [
        "<p>附件1</p>",
        f"<p><strong>{esc(m['attachment_1_title'])}</strong></p>",
        task_tables(
            plan, raw_lines, header=task_header_row, repeat_header=repeat_header, drop_units_of=drop_units_of
        ),
        "<p>附件2</p>",
        f"<p>{esc(m['attachment_2_title'])}</p>",
        reform_table(plan, raw_lines, header=reform_header_row, drop_q4_of=drop_q4_of),
        "</div>",
        '<div class="qr">掃一掃在手機打開當前頁</div>',
    ]
    if layout_table:
        body = ['<table width="100%"><tr><td>', *body, "</td></tr></table>"]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            "<html>",
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{esc(m['title'])}</title>",
            "<style>p { text-indent: 2em; }</style>",
            "</head>",
            "<body>",
            '<header><div class="logo">常州市民政局</div></header>',
            '<nav><a href="/">首頁</a> <a href="/zwgk">政務公開</a></nav>',
            f"<p>{esc(raw_lines[0].strip())}</p>",
            '<div class="crumb">您當前的位置:</div>',
            '<div class="crumb"><a href="/">首頁</a> &gt;&gt; 政務公開 &gt;&gt; 正文</div>',
            '<div class="count">瀏覽次數:<span id="hits"></span></div>',
            f"<script>{SCRIPT_TEXT}</script>",
            *body,
            "<footer>版權所有 常州市民政局</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


@pytest.fixture(scope="module")
def raw_lines(raw_text: str) -> list[str]:
    return raw_text.splitlines()


@pytest.fixture(scope="module")
def page(plan: Plan, raw_lines: list[str]) -> str:
    return render_page(plan, raw_lines)


@pytest.fixture(scope="module")
def page_lines(page: str) -> list[str]:
    """The page's source lines as text: tags dropped, entities decoded."""
    return [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in page.split("\n")]


@pytest.fixture(scope="module")
def html_plan(page: str) -> Plan:
    return build_plan_from_html(page, "plan.html")


def tasks_of(p: Plan) -> list[dict[str, object]]:
    return [t.model_dump(include=TASK_FIELDS) for t in p.tasks]


def reforms_of(p: Plan) -> list[dict[str, object]]:
    return [r.model_dump(include=REFORM_FIELDS) for r in p.reforms]


def test_tasks_match_the_text_path(html_plan: Plan, plan: Plan) -> None:
    assert len(html_plan.tasks) == 44
    for got, want in zip(tasks_of(html_plan), tasks_of(plan), strict=True):
        assert got == want, want["id"]


def test_reforms_match_the_text_path(html_plan: Plan, plan: Plan) -> None:
    assert len(html_plan.reforms) == 15
    for got, want in zip(reforms_of(html_plan), reforms_of(plan), strict=True):
        assert got == want, want["id"]


def test_sections_and_metadata_match_the_text_path(html_plan: Plan, plan: Plan) -> None:
    assert [s.model_dump(include=SECTION_FIELDS) for s in html_plan.sections] == [
        s.model_dump(include=SECTION_FIELDS) for s in plan.sections
    ]
    assert html_plan.metadata == plan.metadata


def test_audit_findings_match_the_text_path_but_for_line_numbers(html_plan: Plan, plan: Plan) -> None:
    def unnumbered(p: Plan) -> list[str]:
        return [
            re.sub(r"line \d+", "line N", json.dumps(f.model_dump(), ensure_ascii=False)) for f in p.findings
        ]

    assert unnumbered(html_plan) == unnumbered(plan)


def test_page_break_repeats_continue_the_group_numbering(html_plan: Plan) -> None:
    assert [t.id for t in html_plan.tasks if t.group_no == 3] == [f"task-3-{i}" for i in range(1, 10)]
    assert [t.id for t in html_plan.tasks if t.group_no == 8] == ["task-8-1", "task-8-2", "task-8-3"]


def test_five_cells_for_seven_districts_stay_unassigned(html_plan: Plan) -> None:
    t = next(t for t in html_plan.tasks if t.id == "task-8-3")
    assert t.ambiguous and t.districts is None
    assert t.unassigned_values == ["1個", "2個", "2個", "1個", "1個"]


def test_inline_numbered_items_are_split_without_their_markers(html_plan: Plan, page: str) -> None:
    assert "<p>1.開展等級評估,提升社會組織等級水平。2.召開社會組織座談會" in page
    assert html_plan.reforms[7].milestones["Q3"] == [
        "開展等級評估,提升社會組織等級水平。",
        "召開社會組織座談會,聽取意見建議。",
    ]


def test_records_point_at_their_html_source_lines(html_plan: Plan, page_lines: list[str]) -> None:
    for t in html_plan.tasks:
        assert t.content in page_lines[t.lines[0] - 1], t.id
        first, last = t.cell_lines["responsible"]
        assert t.responsible[0] in page_lines[first - 1] and t.responsible[-1] in page_lines[last - 1], t.id
        for district, value in (t.districts or {}).items():
            first, last = t.cell_lines[district]
            assert value.startswith(page_lines[first - 1]) and value.endswith(page_lines[last - 1]), t.id
    for r in html_plan.reforms:
        assert str(r.no) in page_lines[r.lines[0] - 1]
        for q in ("Q1", "Q4"):
            assert r.milestones[q][0][:8] in page_lines[r.cell_lines[q][0] - 1], (r.id, q)
            assert r.milestones[q][-1][-8:] in page_lines[r.cell_lines[q][1] - 1], (r.id, q)


def test_spam_and_chrome_are_reported_at_their_html_lines_and_kept_out(
    html_plan: Plan, page_lines: list[str], raw_lines: list[str]
) -> None:
    spam = {raw_lines[0].strip(), SPAM_IN_BODY}
    removed = html_plan.cleaning.removed
    assert {r.text for r in removed} == spam | set(CHROME)
    for r in removed:
        assert page_lines[r.line - 1] == r.text, r
        assert r.reason.startswith("spam:" if r.text in spam else "chrome:"), r
    everything = json.dumps(
        [s.model_dump() for s in html_plan.sections]
        + [t.model_dump() for t in html_plan.tasks]
        + [r.model_dump() for r in html_plan.reforms],
        ensure_ascii=False,
    )
    for fragment in (
        "在线播放",
        "无码",
        "一区二区",
        "国产",
        "您當前的位置",
        "瀏覽次數",
        "掃一掃",
        "版權所有",
        "text-indent",
    ):
        assert fragment not in everything, fragment
    assert SCRIPT_TEXT not in json.dumps(html_plan.cleaning.model_dump(), ensure_ascii=False)


def test_mojibake_is_reported_at_its_html_line_and_left_unaltered(
    html_plan: Plan, plan: Plan, page_lines: list[str]
) -> None:
    got = [(s.text, s.context) for s in html_plan.cleaning.suspect]
    assert got == [(s.text, s.context) for s in plan.cleaning.suspect]
    for s in html_plan.cleaning.suspect:
        assert s.context in page_lines[s.line - 1]
    assert html_plan.reforms[11].milestones["Q3"][0].startswith("組建“青春留?!惫")


def test_continuation_table_without_a_repeated_header(plan: Plan, raw_lines: list[str]) -> None:
    bare = build_plan_from_html(render_page(plan, raw_lines, repeat_header=False))
    assert tasks_of(bare) == tasks_of(plan)


def test_page_laid_out_in_a_table_reads_the_same(plan: Plan, raw_lines: list[str], html_plan: Plan) -> None:
    laid_out = build_plan_from_html(render_page(plan, raw_lines, layout_table=True))
    assert tasks_of(laid_out) == tasks_of(html_plan)
    assert reforms_of(laid_out) == reforms_of(html_plan)
    assert laid_out.metadata == html_plan.metadata


def error_line(exc: pytest.ExceptionInfo[ParseError]) -> int:
    m = re.search(r"line (\d+)", str(exc.value))
    assert m, str(exc.value)
    return int(m.group(1))


@pytest.mark.parametrize(
    ("options", "no"),
    [({"task_header_row": False}, 1), ({"reform_header_row": False}, 2)],
)
def test_table_without_its_header_is_kept_as_text_and_reported(
    plan: Plan, raw_lines: list[str], options: dict[str, bool], no: int
) -> None:
    page = render_page(plan, raw_lines, **options)  # type: ignore[arg-type]
    read = build_plan_from_html(page)
    warning = next(w for w in read.warnings if "no column header row" in w.message)
    assert f"attachment {no}" in warning.message
    assert page.split("\n")[warning.line - 1].startswith("<table")
    kept = next(s for s in read.sections if s.id == f"sec-att{no}")
    assert "353張" in kept.text if no == 1 else "全齡匯頤養中心" in kept.text
    assert (read.tasks if no == 2 else read.reforms)  # the other table still reads


def test_task_row_missing_its_responsible_cell_still_reads(plan: Plan, raw_lines: list[str]) -> None:
    page = render_page(plan, raw_lines, drop_units_of="task-4-3")
    read = build_plan_from_html(page)
    assert len(read.tasks) == len(plan.tasks)
    assert next(t for t in read.tasks if t.id == "task-4-1").responsible == next(
        t for t in plan.tasks if t.id == "task-4-1"
    ).responsible


def test_reform_row_missing_a_quarter_keeps_the_other_quarters(plan: Plan, raw_lines: list[str]) -> None:
    page = render_page(plan, raw_lines, drop_q4_of=5)
    read = build_plan_from_html(page)
    row = next(r for r in read.reforms if r.no == 5)
    assert row.milestones["Q1"] == next(r for r in plan.reforms if r.no == 5).milestones["Q1"]
    assert row.milestones["Q4"] == []


def test_table_nested_in_an_attachment_table_is_read(page: str) -> None:
    nested = page.replace("<td>353張</td>", "<td><table><tr><td>353張</td></tr></table></td>", 1)
    read = build_plan_from_html(nested)
    assert read.reforms and read.sections


def test_read_plan_dispatches_html_files(tmp_path: Path, page: str, html_plan: Plan) -> None:
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    read = read_plan(path)
    assert read.source_name == "page.html"
    assert tasks_of(read) == tasks_of(html_plan) and reforms_of(read) == reforms_of(html_plan)


def test_cli_ingests_an_html_page(tmp_path: Path, page: str, html_plan: Plan) -> None:
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "assistant.cli", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)

    ingested = cli("ingest", str(path))
    assert ingested.returncode == 0, ingested.stderr
    assert "44 tasks" in ingested.stdout and "15 reforms" in ingested.stdout
    exported = json.loads(cli("export").stdout)
    expected = json.loads(
        json.dumps(plan_document(build_plan_from_html(page, "page.html")), ensure_ascii=False)
    )
    assert exported["tasks"] == expected["tasks"]
    assert exported["reforms"] == expected["reforms"]


def test_text_between_attachment_tables_is_kept_as_the_attachments_notes(page: str) -> None:
    note = "注:表中數據為年度計劃數。"
    noted = page.replace("<p>附件2</p>", f"<p>{note}</p>\n<p>附件2</p>", 1)
    plan = build_plan_from_html(noted)
    assert note not in {r.text for r in plan.cleaning.removed}
    kept = [s for s in plan.sections if note in s.text]
    assert len(kept) == 1 and kept[0].path[0].startswith("附件1")
    assert len(plan.tasks) == 44  # the note is no row


def test_a_note_list_under_a_table_gives_its_rows_roles_and_deadlines() -> None:
    page = """<html><body><p>某某县2026年民政工作要点</p><p>一、总体要求</p><p>做好民政工作。</p>
<p>附件1</p><p>某某县2026年民政重点任务分解表</p>
<table><tr><th>序号</th><th>乡镇</th><th>新增家庭养老床位（张）</th><th>新建老年助餐点（个）</th><th>乡村地名标志（块）</th></tr>
<tr><td>1</td><td>城关镇</td><td>40</td><td>3</td><td></td></tr>
<tr><td>2</td><td>新华镇</td><td>30</td><td>2</td><td>25</td></tr>
<tr><td>3</td><td>河口乡</td><td>20</td><td>1</td><td>30</td></tr></table>
<p>说明：</p><ol><li>家庭养老床位：养老服务股牵头，县卫健局配合，10月底前完成。</li>
<li>老年助餐点、乡村地名标志：社会事务股和区划地名股共同牵头，9月底前完成。</li></ol></body></html>"""
    plan = build_plan_from_html(page)
    beds, meals, signs = plan.tasks
    assert beds.responsible == ["养老服务股"] and beds.extra["配合单位"] == "县卫健局"
    assert beds.extra["完成时限"] == "10月底前" and meals.extra["完成时限"] == "9月底前"
    assert meals.responsible == signs.responsible == ["社会事务股和区划地名股"]
    assert signs.districts == {"城关镇": "", "新华镇": "25", "河口乡": "30"}
    assert beds.cell_lines["responsible"][0] == beds.cell_lines["完成时限"][0]  # cited to the note's line


def test_gbk_html_page_is_decoded_from_its_meta_charset(tmp_path: Path) -> None:
    from assistant.errors import InputError
    from assistant.ingest.pipeline import decode

    page = '<html><head><meta charset="gbk"></head><body><p>新建1300張家庭養老床位</p></body></html>'
    assert "家庭養老床位" in decode(page.encode("gb18030"), tmp_path / "p.html", html=True)
    with pytest.raises(InputError, match="UTF-8"):
        decode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, tmp_path / "p.txt", html=False)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-8-sig", "gb18030", "big5"])
def test_a_text_page_is_read_in_the_encodings_chinese_sites_use(tmp_path: Path, encoding: str) -> None:
    # utf-16 / utf-32 / utf-8-sig write a byte-order mark; utf-16-le/-be, GB18030 and Big5 carry none.
    from assistant.ingest.pipeline import decode

    text = ("蘭州市民政局關於印發《2028年全市民政工作要點》的通知\n各縣區民政局：\n現將《2028年全市民政工作要點》"
            "印發給你們，請結合實際認真貫徹落實。\n一、健全養老服務體系\n新建家庭養老床位1600張，新增老年助餐點64個。\n")
    assert decode(text.encode(encoding), tmp_path / "p.txt", html=False).lstrip("\ufeff") == text
