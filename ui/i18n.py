"""The interface's own words in Chinese and English (the plan's text is never translated here).

One table, so a label cannot exist in one language only; `lang_from_header` picks the default from the
browser's Accept-Language, and the page's 中文/English switch changes it.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: list[tuple[str, str]] = [("中文", "zh"), ("English", "en")]

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("计划助手", "Plan Assistant"),
    "app_intro": ("关于工作计划的问答，每个回答都注明出处。简体、繁體、English 均可提问。",
                  "Questions about the work plan, every answer with its sources. Ask in Chinese or English."),
    "api_links": ("接口文档", "API docs"),
    "lang_label": ("界面语言 Language", "Language 界面语言"),
    "script_label": ("汉字显示", "Chinese characters"),
    "script_auto": ("原文", "As written"),
    "script_hans": ("简", "Simplified"),
    "script_hant": ("繁", "Traditional"),
    "plan_label": ("计划", "Plan"),
    "plan_auto": ("按问题自动选择计划", "The plan each question names"),
    "tab_timeline": ("时间线", "Timeline"),
    "status_label": ("状态", "Status"),
    "status_all": ("全部", "All"),
    "status_overdue": ("已过期", "Overdue"),
    "status_due": ("本月到期", "Due this month"),
    "status_upcoming": ("未到期", "Upcoming"),
    "whole_plan": ("全计划", "Whole plan"),
    "unit_col": ("单位", "Unit"),
    "timeline_empty": ("没有符合条件的时间节点。", "No dated obligations match."),
    "timeline_count": ("共 {n} 个时间节点（按到期日排列；点击条目打开计划浏览中的对应行）。",
                       "{n} dated obligations (by due date; click one to open its row in the Plan tab)."),
    "tab_chat": ("问答", "Chat"),
    "tab_plan": ("计划浏览", "Plan"),
    "tab_audit": ("审计", "Audit"),
    "question_label": ("你的问题", "Your question"),
    "question_placeholder": ("输入问题，回车发送", "Type a question and press Enter"),
    "send": ("发送", "Send"),
    "clear": ("清空对话", "Clear chat"),
    "conversation": ("对话", "Conversation"),
    "you_asked": ("提问", "Question"),
    "assistant_answered": ("回答", "Answer"),
    "empty": ("请提问，或点一个示例问题：", "Ask a question, or pick an example:"),
    "examples": ("示例问题", "Example questions"),
    "not_ready": ("计划还在加载，稍后再试。", "The plan is still loading; try again in a moment."),
    "answering": ("正在查找…", "Looking it up…"),
    "badge_answered": ("有据可查", "Answered from the plan"),
    "badge_not_in_plan": ("计划未明确说明", "Not in the plan"),
    "badge_refused": ("已拒绝：不是关于计划的问题", "Refused: not a question about the plan"),
    "sources": ("来源", "Sources"),
    "source_n": ("来源", "Source"),
    "quote": ("引用原文", "Quoted text"),
    "location": ("位置", "Location"),
    "plan": ("计划", "Plan"),
    "raw_lines": ("原始页面行", "Lines of the published page"),
    "open_in_plan": ("在“计划浏览”中查看这一行", "Show this row in the Plan tab"),
    "close": ("关闭", "Close"),
    "copy": ("复制回答", "Copy answer"),
    "copied": ("已复制", "Copied"),
    "copy_failed": ("无法复制，请手动选择文本", "Could not copy; select the text by hand"),
    "vote_up": ("有用", "Helpful"),
    "vote_down": ("有误", "Wrong"),
    "thanks": ("谢谢，已记录。", "Thanks, recorded."),
    "comment_label": ("哪里不对？（可选）", "What was wrong? (optional)"),
    "comment_send": ("提交说明", "Send comment"),
    "comment_saved": ("说明已保存。", "Comment saved."),
    "feedback_failed": ("反馈未能保存：", "Feedback was not saved: "),
    "feedback_unknown": ("找不到这条回答（服务器已重启？），请重新提问。",
                         "This answer is no longer known to the server (restarted?); ask again."),
    "error_connection": (
        "连接中断，回答没有送达。问题仍在输入框中，可以重新发送。",
        "The connection dropped and no answer arrived. Your question is still in the box: send it again.",
    ),
    "error_server": ("出错了：", "Something went wrong: "),
    "garbled": ("乱码", "garbled character"),
    "garbled_note": ("含 {n} 个乱码字符（⍰），原页面如此，无法还原。",
                     "Contains {n} garbled character(s) (⍰) as published; they cannot be restored."),
    "all": ("全部", "All"),
    "unit_label": ("地区（只看给该地区分解了任务的行）", "Unit (only rows with a value for it)"),
    "reform_unit_label": ("地区", "Unit"),
    "quarter_label": ("季度", "Quarter"),
    "filter_label": ("筛选：行号或关键词", "Filter: row id or words"),
    "filter_clear": ("显示全部行", "Show all rows"),
    "tasks_heading": ("附件1 重点任务清单", "Attachment 1: key tasks"),
    "reforms_heading": ("附件2 改革攻坚事项清单", "Attachment 2: reform items"),
    "no_rows": ("没有符合条件的行。", "No rows match."),
    "col_no": ("序号", "No."),
    "col_group": ("任务组", "Group"),
    "col_content": ("主要内容", "Content"),
    "col_responsible": ("责任单位", "Responsible"),
    "col_breakdown": ("任务分解", "Breakdown"),
    "col_unit": ("地区", "Unit"),
    "col_item": ("改革事项", "Reform item"),
    "col_quarter": ("季度", "Quarter"),
    "col_milestones": ("进度安排", "Milestones"),
    "col_status": ("状态", "Status"),
    "col_kind": ("类型", "Check"),
    "col_message": ("说明", "Finding"),
    "col_evidence": ("依据", "Evidence"),
    "unassigned": ("未标明地区", "unit not stated"),
    "audit_heading": ("审计：数字核对", "Audit: number checks"),
}


def t(key: str, lang: str) -> str:
    """The interface string `key` in `lang` ('zh' or 'en'; anything else falls back to Chinese)."""
    zh, en = STRINGS[key]
    return en if lang == "en" else zh


def lang_from_header(accept_language: str | None) -> Lang:
    """'zh' when the browser prefers Chinese over English (or names neither), else 'en'."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"
