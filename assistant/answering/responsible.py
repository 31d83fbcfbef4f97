"""The `responsible` route: who leads (and who cooperates on) a task, from its row or from a sentence."""

from __future__ import annotations

import re

from assistant import compose
from assistant.answering.finish import finish
from assistant.answering.view import BODY_KINDS, SUPPORT_THRESHOLD, Hit, PlanView, tokens_of
from assistant.evidence import Evidence
from assistant.lookup import cell_items
from assistant.models import Answer, Reform, Task
from assistant.roles import Role, text_roles
from assistant.text import char_pairs, normalize
from assistant.topic import support
from assistant.understand import Understanding, has_any

BODY_NAME = re.compile(r"[\u4e00-\u9fff]{1,10}(?:局|常委会|委员会|委|办公室|政府|部门|中心|联合会|总会|协会|法院|检察院)")


def answer_responsible(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """The best-matching task row's responsible columns, or a reform row's owner."""
    tokens = tokens_of(u)
    hits = [h for h in view.search(u, kinds=["task", "reform_target"], k=8, use_district=False)
            if view.supported(u, h.text)]
    named = _named_anywhere(u, view, tokens)
    # A row with no 责任单位 of its own (a transposed table names tasks only) says nothing about who.
    best_row = max((support(tokens, h.text) for h in hits if _names_owner(view, h)), default=0.0)
    wins = named is not None and (named[0] > best_row + NAMED_MARGIN
                                  or _asks_role_named(u, named[3], named[0], best_row))
    if named is not None and wins and (
            not u.districts or view.chunks[named[1]].district in (None, *u.districts)):
        # 「“警护民安”救助引导点是跟哪个部门合作的」: a milestone or sentence says 联合公安部门 in words.
        _, chunk_id, sentence, roles = named
        chunk = view.chunks[chunk_id]
        return finish(view, ev, compose.roles_in_text(ev, chunk_id, sentence, view.label_for(chunk), roles), True,
                      "lookup")
    owned = _unit_reform(u, view, tokens, hits)
    if owned is not None:
        return finish(view, ev, compose.reform_owner(ev, owned), True, "lookup")
    hits = [h for h in hits if _names_owner(view, h)]
    if not hits:
        return responsible_in_text(u, view, ev)
    rank = {h.id: i for i, h in enumerate(hits)}

    def fit(h: Hit) -> tuple[float, int]:
        # A task row names its responsible bodies; a reform row only its unit: between equally good
        # matches the task row answers "who is responsible" — unless the question names the reform's unit.
        score = round(support(tokens, h.text), 2)
        if h.kind == "task":
            score += 0.1
        elif u.districts and h.district in u.districts:
            score += 0.3
        return score, -rank[h.id]

    hit = max(hits, key=fit)
    if hit.kind == "task":
        task = view.tasks[hit.id]
        step = _named_in_step(tokens, view, task)
        # The step asked about names its own bodies: they answer first, the row's column after.
        lead = compose.roles_in_text(ev, task.id, step[0], compose.task_label(task), step[1]) if step else ""
        units = unit_roles(ev, tokens, task, f"{u.normalized} {u.topic}")
        body = "\n".join(x for x in (lead, units, compose.responsible(ev, task)) if x)
        return finish(view, ev, body, True, "lookup")
    reform = view.reforms[view.chunks[hit.id].record_id]
    return finish(view, ev, compose.reform_owner(ev, reform), True, "lookup")


NAMED_MARGIN = 0.1
# 「跟哪个部门联动」「which departments does it team up with」: the partners, which only words name.
PARTNER_ASKED = ("联动", "合作", "配合", "联合", "协同", "会同", "一起", "搭档", "team up", "partner", "work with",
                 "together with", "jointly", "cooperat", "collaborat", "alongside", "link up", "liaise",
                 "coordinate with", "对接", "协同")
# 「由谁去走访」「who will do the visits」: the people a sentence says do the work.
DOER_ASKED = ("由谁", "谁去", "谁来", "让谁", "谁负责去", "who does", "who will", "who carries", "who goes",
              "who visits")


def _asks_role_named(u: Understanding, roles: list[Role], score: float, best_row: float) -> bool:
    """A question about partners or about who does the work, answered by a sentence naming exactly that
    role about as well as a row matches: the row's owner is not what was asked."""
    kinds = {r.role for r in roles}
    asked = ("jointly" in kinds and has_any(u.normalized, PARTNER_ASKED)) or (
        "doer" in kinds and has_any(u.normalized, DOER_ASKED))
    return asked and score >= best_row - NAMED_MARGIN


def _names_owner(view: PlanView, hit: Hit) -> bool:
    """Whether a row says who is responsible: a task's 责任单位 or owner columns; a reform row its unit."""
    if hit.kind != "task":
        return True
    task = view.tasks[hit.id]
    return bool(task.responsible or compose.owner_cells(task.extra))
ITEM_SPLIT = re.compile(r"\n|(?<=[;；。])|\s(?=\d{1,2}\.\s)")


def _named_anywhere(u: Understanding, view: PlanView, tokens: set[str]) -> tuple[float, str, str, list[Role]] | None:
    """The best-matching sentence of any passage (a milestone item, a body sentence, a cell's step) that
    names in words who leads or joins the work, with its support and roles."""
    best: tuple[float, str, str, list[Role]] | None = None
    for hit in view.search(u, k=8, use_district=False):
        chunk = view.chunks[hit.id]
        body = chunk.body or (view.tasks[hit.id].citywide or "" if hit.kind == "task" and hit.id in view.tasks else "")
        pieces = view.sentences(hit.id) if hit.kind in BODY_KINDS else [x.strip() for x in ITEM_SPLIT.split(body)]
        for piece in pieces:
            roles = text_roles(piece) if piece and piece in chunk.text else []
            if roles:
                score = support(tokens, piece)
                if score >= SUPPORT_THRESHOLD and (best is None or score > best[0]):
                    best = (score, hit.id, piece, roles)
    return best


def _named_in_step(tokens: set[str], view: PlanView, task: Task) -> tuple[str, list[Role]] | None:
    """The step of a row's cell that the question is about, when it names who leads or joins it in words
    (由市殡葬协会和市消费者协会牵头…) and matches the question better than the row's own task does."""
    steps = cell_items(task.citywide or "")
    own = support(tokens, task.content)
    best = max(((support(tokens, x), x) for x in steps if text_roles(x)), default=None)
    if best is None or best[0] < SUPPORT_THRESHOLD or best[0] <= own:
        return None
    return best[1], text_roles(best[1])


REFORM_WORDS = ("改革", "项目", "事项", "试点", "reform", "project", "pilot", "initiative")


def _unit_reform(u: Understanding, view: PlanView, tokens: set[str], hits: list[Hit]) -> Reform | None:
    """「宝应县改革项目的市级责任处室是哪个」: a unit named with its reform item asks for that row's owner
    column — the row of the unit that matches best, unless a task row matches clearly better."""
    if not u.districts or not has_any(u.normalized, (*REFORM_WORDS, *view.reform_nouns)):
        return None
    rows = [r for r in view.plan.reforms if r.district in u.districts]
    if not rows:
        return None
    best = max(rows, key=lambda r: support(tokens, view.chunks[f"{r.id}-target"].text))
    mine = support(tokens, view.chunks[f"{best.id}-target"].text)
    tasks = max((support(tokens, h.text) for h in hits if h.kind == "task"), default=0.0)
    if tokens and (mine == 0 and len(rows) > 1 or tasks > mine + 0.1):
        return None
    return best


# 「牵头钟武线联检」「配合开展钟武线联检」 in a unit's own cell: that unit leads or joins the named step.
UNIT_ROLE = re.compile(r"(牵头|牽頭|配合|协助|協助|参与|參與)")


def _step_named(question: str, tokens: set[str], step: str) -> float:
    """How well the question names a cell's step: the share of the step's object (钟武线联检, its role
    word and 开展 taken off) that the question writes, pair of characters by pair; for a question with
    no such pairs (English), its topic words' support."""
    target = normalize(UNIT_ROLE.sub("", step).replace("开展", "").replace("開展", ""))
    pairs = char_pairs(target)
    shared = {p for p in pairs if p in question}
    return len(shared) / len(pairs) if pairs and shared else support(tokens, step) * 0.5


def unit_roles(ev: Evidence, tokens: set[str], task: Task, question: str) -> str:
    """The units whose own cells say they lead or join the step the question is about, each cited to its
    cell: a border inspection one unit leads and its neighbour joins is in the units' cells, not the
    责任单位 column."""
    v = ev.voice
    found = []
    for unit, value in (task.districts or {}).items():
        for x in (x.strip() for x in re.split(r"[;；。\n]", value or "")):
            if x and UNIT_ROLE.search(x):
                found.append((_step_named(question, tokens, x), unit, x))
    best = max((f[0] for f in found), default=0.0)
    if best < SUPPORT_THRESHOLD:
        return ""
    lines = []
    for score, unit, step in found:
        if score == best:  # the step asked about (钟武线联检), not every unit's other inspection line
            _, marker = compose.cite_task_cell(ev, task, unit)
            lines.append(f"- {v.district(unit)}：{v.quote(step)} {marker}")
    return v.say("各单位在本项中的分工：", "What the units' own cells say they do:") + "\n" + "\n".join(lines)


def responsible_in_text(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """A plan without a task table names who does what in its sentences (市民政局…组织开展年度考核)."""
    tokens = tokens_of(u)
    best: tuple[float, int, str, str] | None = None
    for rank_no, hit in enumerate(view.search(u, k=10)):
        if hit.kind not in BODY_KINDS:
            continue
        for sentence in view.sentences(hit.id):
            if not BODY_NAME.search(sentence):
                continue
            score = support(tokens, sentence)
            if score >= SUPPORT_THRESHOLD and (best is None or (score, -rank_no) > best[:2]):
                best = (score, -rank_no, hit.id, sentence)
    if best is None:
        return None
    _, _, chunk_id, sentence = best
    marker = ev.cite(chunk_id, sentence, view.label_for(view.chunks[chunk_id]))
    return finish(view, ev, f"{ev.voice.quote(sentence)} {marker}", True, "retrieval")
