"""What the library knows of each plan without loading it: id, issuer, year, title, units."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from assistant.models import Plan
from assistant.text import to_simplified

SLUG_CHARS = re.compile(r"[^a-z0-9]+")
YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


class PlanEntry(BaseModel):
    """One plan of the library, as `assistant plans` and `GET /api/plans` show it."""

    id: str
    title: str = ""
    issuer: str = ""
    year: int | None = None
    doc_number: str = ""
    source_name: str = ""
    source_sha256: str = ""
    units: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    """The issuer's own place names (无锡, 无锡市, Wuxi …) from the plan's profile."""
    added: str = ""
    dir: str = ""
    """The plan's index dir under plans/: a new one per build, so no process ever sees one half-replaced."""

    @property
    def label(self) -> str:
        """How answers name the plan: issuer, then the title (which carries the year)."""
        return "".join(p for p in (self.issuer, f"《{self.title}》" if self.title else "") if p) or self.id


def slug(text: str) -> str:
    """An ASCII slug of Chinese or Latin text (pinyin for Han characters): stable across runs."""
    from pypinyin import lazy_pinyin

    words = lazy_pinyin(to_simplified(text))
    return SLUG_CHARS.sub("-", "".join(w if w.isascii() else "-" for w in words).lower()).strip("-")


def plan_year(plan: Plan) -> int | None:
    """The year a plan is for: its title's year, else its document number's, else its signing date's."""
    meta = plan.metadata
    for key in ("plan_title", "title", "doc_number", "signed", "generated", "published"):
        found = YEAR.search(meta.get(key, ""))
        if found:
            return int(found.group(1))
    return None


def plan_id(plan: Plan) -> str:
    """A stable id: issuer + year + document number, else a slug of the title, else of the page's hash."""
    meta = plan.metadata
    year = plan_year(plan)
    number = re.findall(r"\d+", re.sub(r"〔\s*20\d\d\s*〕|\[\s*20\d\d\s*\]|\(\s*20\d\d\s*\)", "-",
                                       meta.get("doc_number", "")))
    issuer = slug(meta.get("issuer", ""))
    if issuer:
        parts = [issuer, str(year) if year else "", number[-1] if number else ""]
        return "-".join(p for p in parts if p)
    title = slug(meta.get("plan_title") or meta.get("title") or "")
    return title[:60].strip("-") or f"plan-{plan.source_sha256[:12]}"


def entry_of(plan: Plan, plan_key: str | None = None) -> PlanEntry:
    """The registry entry of a plan just read."""
    meta = plan.metadata
    places = [p for p in plan.profile.get("city", []) if p]
    return PlanEntry(
        id=plan_key or plan_id(plan),
        title=meta.get("plan_title") or meta.get("title") or plan.source_name,
        issuer=meta.get("issuer") or meta.get("publisher") or "",
        year=plan_year(plan),
        doc_number=meta.get("doc_number", ""),
        source_name=plan.source_name,
        source_sha256=plan.source_sha256,
        units=list(plan.units),
        places=places,
        added=datetime.now(UTC).isoformat(timespec="seconds"),
    )
