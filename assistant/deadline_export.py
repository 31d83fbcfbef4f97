"""The plan's dated obligations as rows, CSV and an iCalendar feed (one all-day event per obligation).

A calendar subscription is what district staff keep open; each event carries the obligation's words,
its unit and the citation label, and a stable UID so a re-published feed updates instead of duplicating.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from assistant.obligations import Obligation, status_of

COLUMNS = ("due", "status", "unit", "kind", "when", "text", "source", "label", "lines")


def rows(records: list[Obligation], as_of: date) -> list[dict[str, Any]]:
    """One dict per obligation, in the field order of `COLUMNS`."""
    return [{"due": o.due.isoformat(), "status": status_of(o, as_of), "unit": o.unit, "kind": o.kind,
             "when": o.when, "text": o.text, "source": o.record, "label": o.label,
             "lines": f"{o.lines[0]}-{o.lines[1]}"} for o in records]


def to_csv(records: list[Obligation], as_of: date) -> str:
    """CSV with a header row; a spreadsheet opens it as UTF-8 thanks to the byte-order mark."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(records, as_of))
    return "\ufeff" + out.getvalue()


def to_ics(records: list[Obligation], plan_title: str, source: str) -> bytes:
    """An iCalendar feed: an all-day event on each due date (DTEND is the next day, as RFC 5545 wants)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Plan Assistant//deadlines//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{plan_title} · 时间节点" if plan_title else "时间节点")
    stamp = datetime.now(UTC)
    for o in records:
        event = Event()
        who = f"{o.unit}：" if o.unit else ""
        event.add("summary", f"{who}{o.text}"[:200])
        event.add("dtstart", o.due)
        event.add("dtend", o.due + timedelta(days=1))
        event.add("dtstamp", stamp)
        event.add("description", f"{o.when}\n{o.label}\n{source} L{o.lines[0]}-L{o.lines[1]}")
        if o.unit:
            event.add("categories", [o.unit])
        digest = hashlib.sha256(f"{source}|{o.record}|{o.unit}|{o.due}|{o.text}".encode()).hexdigest()[:24]
        event.add("uid", f"{digest}@plan-assistant")
        cal.add_component(event)
    return cal.to_ical()
