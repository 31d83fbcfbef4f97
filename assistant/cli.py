"""Command line: ingest · audit · export · ask · search · eval · bench · serve · feedback · screenshots."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli_library import PLAN_HELP
from assistant.config import get_settings
from assistant.errors import AssistantError, BackendUnavailableError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Plan Assistant: exact, cited answers.")


def fail(exc: AssistantError) -> None:
    """One line on stderr, non-zero exit: the message already says what to do."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=2)


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Plan pages (.txt/.html/.mht/.json) or folders of them; default: the configured page. Several "
             "pages, a folder, or an index dir that already holds a library build a library "
             "(one index per plan).")] = None,
) -> None:
    """Build index/plan.sqlite, the chunks and the vector index; unchanged input changes nothing."""
    from assistant.cli_library import ingest_library, library_wanted
    from assistant.public import describe_failure
    from assistant.service import build

    settings = get_settings()
    started = time.perf_counter()
    try:
        if paths and library_wanted(paths, settings):
            if ingest_library(paths, settings):
                raise typer.Exit(code=2)
            return
        with IndexProgress() as progress:
            report = build(settings, paths[0] if paths else None, progress=progress)
    except AssistantError as exc:
        fail(exc)
        return
    except (OSError, sqlite3.Error) as exc:  # a full disk, a read-only index dir: one line, not a traceback
        fail(AssistantError(f"{describe_failure(exc, settings.index_dir)} ({settings.index_dir})"))
        return
    plan, stats = report.plan, report.index
    typer.echo(
        f"plan.sqlite {'written' if report.plan_written else 'unchanged'}: {len(plan.sections)} sections, "
        f"{len(plan.tasks)} tasks, {len(plan.reforms)} reforms, {len(plan.findings)} findings, "
        f"{len(plan.cleaning.removed)} lines removed, {len(plan.cleaning.suspect)} suspect"
    )
    if not stats.changed:
        state = "unchanged"
    elif stats.rebuilt:
        state = f"built ({stats.upserted} embedded)"
    else:
        state = f"updated ({stats.upserted} re-embedded, {stats.deleted} deleted, {stats.unchanged} unchanged)"
    typer.echo(
        f"chunks {'written' if report.chunks_written else 'unchanged'}: {report.chunks}; "
        f"vector index {state} [{stats.model_id} @ {stats.target}] ({stats.seconds:.2f}s); "
        f"total {time.perf_counter() - started:.2f}s"
    )


class IndexProgress:
    """A rich progress bar for `build_index`, created only when there is something to embed."""

    def __enter__(self) -> IndexProgress:
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        """build_index's progress callback."""
        if self.bar is None:
            if total == 0:
                return
            from rich import progress as rp
            from rich.console import Console

            columns = (rp.TextColumn("{task.description}"), rp.BarColumn(), rp.MofNCompleteColumn(),
                       rp.TimeElapsedColumn())
            self.bar = rp.Progress(*columns, console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(stage, total=total)
        if self.task is not None:
            self.bar.update(self.task, completed=done, total=total, description=stage)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _register_library_commands() -> None:
    from assistant.cli_library import eval_library

    app.command("eval-library")(eval_library)


_register_library_commands()


@app.command()
def plans(as_json: Annotated[bool, typer.Option("--json", help="Print the plans as JSON.")] = False) -> None:
    """List the plans of the index dir: id, year, issuer, title, units, page."""
    from assistant.cli_library import print_plans

    try:
        print_plans(get_settings(), as_json)
    except AssistantError as exc:
        fail(exc)


@app.command()
def remove(plan: Annotated[str, typer.Argument(help="A plan id from `assistant plans`.")]) -> None:
    """Remove one plan from the library: its entry, its SQLite and its vectors. The others are untouched."""
    from assistant.library.shelf import remove_plan

    try:
        entry = remove_plan(get_settings(), plan)
    except AssistantError as exc:
        fail(exc)
        return
    typer.echo(f"removed {entry.id} ({entry.issuer} {entry.title})")


@app.command()
def audit(
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    plan_id: Annotated[str | None, typer.Option("--plan", help=PLAN_HELP)] = None,
) -> None:
    """Cross-check the plan's numbers and list findings with evidence."""
    from assistant.cli_library import plan_settings_of
    from assistant.store import PlanStore

    try:
        plan = PlanStore(plan_settings_of(plan_id).sqlite_path).load_plan()
    except AssistantError as exc:
        fail(exc)
        return
    if as_json:
        typer.echo(json.dumps([f.model_dump() for f in plan.findings], ensure_ascii=False, indent=2))
        return
    for f in plan.findings:
        typer.echo(f"[{f.status}] {f.kind}: {f.message}")
        for ev in f.evidence:
            typer.echo(f"    「{ev}」")


class DeadlineFormat(StrEnum):
    table = "table"
    csv = "csv"
    ics = "ics"
    json = "json"


def _day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option, or a clear error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is no date; write YYYY-MM-DD", param_hint=option) from None


@app.command()
def deadlines(
    unit: Annotated[str | None, typer.Option("--unit", help="Only this unit's (and the whole plan's).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Due on or after YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Due on or before YYYY-MM-DD.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge overdue/due on this day (default today).")] = None,
    status: Annotated[str, typer.Option("--status", help="all, overdue, due (this month) or upcoming.")] = "all",
    fmt: Annotated[DeadlineFormat, typer.Option("--format", help="table, csv, ics or json.")] = DeadlineFormat.table,
    plan_id: Annotated[str | None, typer.Option("--plan", help=PLAN_HELP)] = None,
) -> None:
    """List the plan's dated obligations (完成时限, dated steps, milestones, dated body sentences)."""
    from assistant.api import resolve_district
    from assistant.chunks import build_chunks
    from assistant.deadline_export import rows, to_csv, to_ics
    from assistant.lexicon import Vocabulary, use_vocabulary
    from assistant.obligations import obligations, select, status_of
    from assistant.store import PlanStore

    if status not in ("all", "overdue", "due", "upcoming"):
        raise typer.BadParameter(f"{status!r}; use all, overdue, due or upcoming", param_hint="--status")
    from assistant.cli_library import plan_settings_of

    try:
        plan = PlanStore(plan_settings_of(plan_id).sqlite_path).load_plan()
        use_vocabulary(Vocabulary.from_plan(plan))
        name = resolve_district(unit, plan.units) if unit else None
    except AssistantError as exc:
        fail(exc)
        return
    today = _day(as_of, "--as-of") or date.today()
    found = select(obligations(plan, {c.id: c for c in build_chunks(plan)}), name,
                   _day(start, "--from"), _day(end, "--to"), status, today)
    if fmt == DeadlineFormat.csv:
        typer.echo(to_csv(found, today), nl=False)
    elif fmt == DeadlineFormat.ics:
        sys.stdout.buffer.write(to_ics(found, plan.metadata.get("plan_title", ""), plan.source_name))
    elif fmt == DeadlineFormat.json:
        typer.echo(json.dumps(rows(found, today), ensure_ascii=False, indent=2))
    else:
        for o in found:
            typer.echo(f"{o.due}  {status_of(o, today):8}  {o.unit or '—':8}  {o.when}  {o.text[:60]}  [{o.label}]")
        typer.echo(f"{len(found)} obligations", err=True)


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="json (one document) or csv (a folder).")] = (
        ExportFormat.json
    ),
    out: Annotated[
        Path | None, typer.Option("--out", help="File (json) or folder (csv); json defaults to stdout.")
    ] = None,
    plan_id: Annotated[str | None, typer.Option("--plan", help=PLAN_HELP)] = None,
) -> None:
    """Write the reconstructed plan, text as in the source."""
    from assistant.cli_library import plan_settings_of
    from assistant.store import PlanStore

    try:
        plan = PlanStore(plan_settings_of(plan_id).sqlite_path).load_plan()
    except AssistantError as exc:
        fail(exc)
        return
    if fmt is ExportFormat.json:
        text = json.dumps(plan_to_json(plan), ensure_ascii=False, indent=2) + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
        return
    folder = out or Path("plan-export")
    folder.mkdir(parents=True, exist_ok=True)
    write_csv_export(plan, folder)
    typer.echo(f"wrote tasks.csv, reforms.csv, findings.csv to {folder}")


def plan_to_json(plan):  # type: ignore[no-untyped-def]
    """The export document: the Plan without build bookkeeping."""
    from assistant.export import plan_document

    return plan_document(plan)


def write_csv_export(plan, folder: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.export import csv_rows

    for name, (header, rows) in csv_rows(plan).items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)


@app.command("eval")
def eval_command(
    questions: Annotated[
        Path | None, typer.Option("--questions", help="JSONL of {id, question, history?}: answer only, no scoring.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="RESULTS.jsonl for --questions (default: stdout).")] = None,
    compare: Annotated[
        Path | None, typer.Option("--compare", help="An older latest.json: list improved/regressed ids.")
    ] = None,
    reports: Annotated[Path | None, typer.Option("--reports", help="Report folder (default: eval/reports).")] = None,
) -> None:
    """Answer a question file (--questions), or score eval/questions.jsonl against the baseline and gate it."""
    started = time.perf_counter()
    try:
        if questions is not None:
            eval_answer_file(questions, out)
            return
        passed = eval_full(reports, compare)
    except AssistantError as exc:
        fail(exc)
        return
    typer.echo(f"elapsed {time.perf_counter() - started:.1f}s")
    if not passed:
        raise typer.Exit(code=1)


@app.command("eval-plans")
def eval_plans(
    pages: Annotated[Path, typer.Option("--pages", help="Folder of plan pages.")] = Path("tests/fixtures/plans"),
    questions: Annotated[
        Path, typer.Option("--questions", help="Folder of <page stem>.jsonl golds.")
    ] = Path("eval/plans"),
    reports: Annotated[Path, typer.Option("--reports", help="Report folder.")] = Path("eval/reports"),
) -> None:
    """Ingest each plan page of another shape into its own index and score its gold questions.

    The report is named after the questions folder: eval/plans → plans.md, eval/heldout → heldout.md.
    """
    from assistant.evaluation.plans import run_plan_evals

    try:
        results = run_plan_evals(pages, questions, reports, get_settings())
    except AssistantError as exc:
        fail(exc)
        return
    for r in results:
        o = r.summary["overall"]
        typer.echo(f"{r.page}: {o['passed']}/{o['n']} ({o['accuracy'] * 100:.1f} %), warnings {r.warnings}")
    typer.echo(f"wrote {reports / (questions.name + '.md')}")


def eval_answer_file(questions: Path, out: Path | None) -> None:
    """The batch contract: RESULTS.jsonl, one row per question, in input order."""
    from assistant.evaluation.batch import load_questions, run_batch, write_jsonl

    rows = load_questions(questions)  # a bad file fails before the engine loads
    from assistant.library.service import Library

    results = run_batch(Library.load(get_settings()).ask, rows)
    if out is None:
        write_jsonl(results, sys.stdout)
        return
    with out.open("w", encoding="utf-8") as fh:
        write_jsonl(results, fh)
    typer.echo(f"wrote {len(results)} results to {out}", err=True)


class EvalProgress:
    """A rich progress bar that follows `run_eval`'s stages (on stderr, so stdout stays clean)."""

    def __init__(self, progress) -> None:  # type: ignore[no-untyped-def]
        self.progress = progress
        self.task = None

    def stage(self, name: str, total: int | None) -> None:
        """One bar per stage; the finished stage's bar gives way to the next."""
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(name, total=total)

    def advance(self) -> None:
        """One more question done in the current stage."""
        if self.task is not None:
            self.progress.advance(self.task)


def eval_full(reports: Path | None, compare: Path | None) -> bool:
    """Run the scored evaluation, write the report files, print the summary; True when the gate passes."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from assistant.evaluation import REPORTS_DIR
    from assistant.evaluation.report import compare as compare_reports
    from assistant.evaluation.report import console_tables, pct, run_eval, write_reports

    old = None
    if compare is not None:
        try:
            old = json.loads(compare.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AssistantError(f"cannot read --compare report {compare}: {exc}") from exc
    console = Console()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        report = run_eval(get_settings(), progress=EvalProgress(bar))
    paths = write_reports(report, reports or REPORTS_DIR)
    for table in console_tables(report):
        console.print(table)
    if old is not None:
        diff = compare_reports(old, report)
        console.print(f"vs {compare}: accuracy {pct(diff['accuracy_before'])} → {pct(diff['accuracy_after'])}")
        for key in ("improved", "regressed", "added", "removed"):
            console.print(f"  {key} ({len(diff[key])}): {', '.join(map(str, diff[key])) or '-'}")
    gate = report["gate"]
    console.print("gate: " + ("PASSED" if gate["passed"] else "FAILED"), style="green" if gate["passed"] else "red")
    for reason in gate["reasons"]:
        console.print(f"  - {reason}")
    console.print("wrote " + ", ".join(str(p) for p in paths), soft_wrap=True)
    return bool(gate["passed"])


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese (either script) or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print {answer, answerable, route, citations}.")] = False,
    plan: Annotated[str | None, typer.Option(help="Library: answer from this plan (default: the plan the "
                                                  "question names, see `assistant plans`).")] = None,
) -> None:
    """Answer one question from the plan, with citations."""
    from assistant.library.service import Library

    try:
        answer = Library.load(get_settings()).ask(question, plan=plan)
    except AssistantError as exc:
        fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(answer.model_dump(include={"answer", "answerable", "route", "citations", "plan"}),
                              ensure_ascii=False))
        return
    typer.echo(answer.answer)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in Chinese (either script) or English.")],
    as_json: Annotated[bool, typer.Option("--json", help='Print {"hits": [...]} as JSON.')] = False,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many hits.")] = 8,
    district: Annotated[str | None, typer.Option("--district", help="Only this district's reform rows.")] = None,
    quarter: Annotated[str | None, typer.Option("--quarter", help="Only this quarter's milestones (Q1..Q4).")] = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, bm25 or dense.")] = "hybrid",
    plan_id: Annotated[str | None, typer.Option("--plan", help=PLAN_HELP)] = None,
) -> None:
    """Hybrid (BM25 + dense) search over the plan's chunks, ranked."""
    try:
        hits, degraded = run_search(query, k, district, quarter, mode, plan_id)
    except AssistantError as exc:
        fail(exc)
        return
    if degraded:
        typer.echo("warning: dense retrieval unavailable; results are BM25 only", err=True)
    if as_json:
        fields = {"id", "text", "score", "kind", "district", "quarter", "lines"}
        typer.echo(json.dumps({"hits": [h.model_dump(include=fields) for h in hits]}, ensure_ascii=False))
        return
    for rank, h in enumerate(hits, start=1):
        where = " · ".join(x for x in (h.kind, h.district, h.quarter, f"lines {h.lines[0]}-{h.lines[1]}") if x)
        ranks = ", ".join(f"{name} #{r}" for name, r in h.sources.items())
        typer.echo(f"{rank:>2}. {h.id}  {h.score:.4f}  [{where}]  ({ranks})")
        typer.echo(f"    {h.text[:160].replace(chr(10), ' ')}")


def run_search(query: str, k: int, district: str | None, quarter: str | None, mode: str,  # type: ignore[no-untyped-def]
               plan: str | None = None):
    """Load the retriever and search; returns (hits, degraded)."""
    from assistant.cli_library import plan_settings_of
    from assistant.errors import InputError
    from assistant.retrieve import load_retriever

    if mode not in ("hybrid", "bm25", "dense"):
        raise InputError(f"--mode must be hybrid, bm25 or dense, not {mode!r}")
    retriever = load_retriever(plan_settings_of(plan))
    hits = retriever.search(query, k=k, district=district, quarter=quarter, mode=mode)  # type: ignore[arg-type]
    return hits, retriever.degraded


@app.command("eval-retrieval")
def eval_retrieval(
    file: Annotated[Path | None, typer.Option("--file", help="JSONL of {id, query, language, relevant}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    k: Annotated[int, typer.Option("--k", min=1, max=10, help="Cut-off for hit@k.")] = 5,
    reports: Annotated[Path | None, typer.Option("--reports", help="Report folder (default: eval/reports).")] = None,
) -> None:
    """hit@k and MRR of BM25, dense and hybrid retrieval on eval/retrieval.jsonl; exits 1 below target."""
    try:
        report, paths = run_retrieval_eval(file, k, reports)
    except AssistantError as exc:
        fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_retrieval_report(report)
    typer.echo("wrote " + ", ".join(str(p) for p in paths), err=as_json)
    if not report["gate"]["passed"]:
        raise typer.Exit(code=1)


def run_retrieval_eval(file: Path | None, k: int, reports: Path | None):  # type: ignore[no-untyped-def]
    """Evaluate the built index on the query file and write retrieval.md/.json."""
    from assistant.config import PROJECT_ROOT
    from assistant.errors import IndexMissingError
    from assistant.retrieval_eval import evaluate, load_rows, unknown_ids, write_reports
    from assistant.retrieve import load_retriever

    rows = load_rows(file or PROJECT_ROOT / "eval" / "retrieval.jsonl")
    retriever = load_retriever(get_settings())
    missing = unknown_ids(rows, set(retriever.chunks))
    if missing:
        some = "; ".join(f"{q}: {', '.join(ids)}" for q, ids in list(missing.items())[:5])
        raise IndexMissingError(f"the eval names chunk ids the index lacks ({some}); rebuild or fix the file")
    report = evaluate(retriever, rows, k=k)
    return report, write_reports(report, reports or PROJECT_ROOT / "eval" / "reports")


def print_retrieval_report(report) -> None:  # type: ignore[no-untyped-def]
    """The side-by-side table and the gate, with rich."""
    from rich.console import Console
    from rich.table import Table

    from assistant.retrieval_eval import table_header, table_rows

    table = Table(title=f"Retrieval ({report['queries']} queries)")
    for name in table_header(report):
        table.add_column(name, justify="left" if name == "scope" else "right")
    for row in table_rows(report):
        table.add_row(*row)
    console = Console()
    console.print(table)
    gate = report["gate"]
    console.print("gate: " + ("PASSED" if gate["passed"] else "FAILED"), style="green" if gate["passed"] else "red")
    for reason in gate["reasons"]:
        console.print(f"  - {reason}")


@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="5 s load phases and every 5th question: a smoke run.")] = (
        False
    ),
    duration: Annotated[
        float | None, typer.Option("--duration", min=1, help="Seconds per load phase (default 30; 5 with --quick).")
    ] = None,
    clients: Annotated[int, typer.Option("--clients", min=1, max=500, help="Concurrent clients in the load.")] = 50,
    reports: Annotated[Path | None, typer.Option("--reports", help="Report folder (default: eval/reports).")] = None,
    library_plans: Annotated[int | None, typer.Option(
        "--library-plans", min=0, help="Plans in the library phase (default 100; 20 with --quick; 0 skips).")] = None,
    library_only: Annotated[bool, typer.Option(
        "--library-only", help="Only the build, the single-plan server and the library phase.")] = False,
) -> None:
    """Measure build time, answer latency (in process, over HTTP, under load), memory and the textbook
    baseline in one run on 127.0.0.1; write bench.md and bench.json and say which targets were met."""
    from assistant.bench.report import write_reports
    from assistant.bench.run import BenchConfig, run_bench
    from assistant.evaluation import REPORTS_DIR

    started = time.perf_counter()

    def stage(name: str) -> None:
        typer.echo(f"[{time.perf_counter() - started:6.1f}s] {name}", err=True)

    try:
        report = run_bench(get_settings(), BenchConfig.make(quick, duration, clients, library_plans, library_only),
                           stage)
    except AssistantError as exc:
        fail(exc)
        return
    paths = write_reports(report, reports or REPORTS_DIR)
    for t in report["targets"]:
        verdict = "met" if t["met"] else "n/a" if t["met"] is None else "MISSED"
        typer.echo(f"{verdict:>6}  {t['name']}: {t['value']} (target {t['target']})")
    typer.echo(f"wrote {', '.join(str(p) for p in paths)} in {report['elapsed_s']} s")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Bind address (default: ASSISTANT_HOST or 127.0.0.1).")] = (
        None
    ),
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default: ASSISTANT_PORT, 7860).")
    ] = None,
) -> None:
    """Serve the web chat, the REST/SSE API and the OpenAI-compatible endpoint (builds the index first)."""
    import logging

    from assistant.api import create_app
    from assistant.public import describe_failure
    from assistant.server import run
    from assistant.service import build

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    url = f"http://{host}:{port}"
    settings = settings.model_copy(update={"host": host, "port": port, "public_url": settings.public_url or url})
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    started = time.perf_counter()
    try:
        # Idempotent: builds a missing index (with a progress bar), refreshes a stale one, else ~1s of checks.
        # A damaged one is set aside and rebuilt.
        with IndexProgress() as progress:
            built = build(settings, progress=progress)
    except BackendUnavailableError as exc:
        typer.echo(f"warning: {exc}; answering from the tables and BM25 until it is back", err=True)
    except AssistantError as exc:
        # Serve anyway: /readyz then says what failed (and names `assistant ingest`) instead of a crash loop.
        typer.echo(f"warning: the index could not be built: {exc}", err=True)
    except Exception as exc:  # a full disk, a read-only dir, a library's failure: one line; /readyz says the cause
        typer.echo(f"warning: the index could not be built: {describe_failure(exc, settings.index_dir)}", err=True)
    else:
        typer.echo(f"index ready: {built.chunks} chunks in {settings.index_dir} ({time.perf_counter() - started:.1f}s)")
    typer.echo(f"Plan Assistant on {url}/  ·  API docs {url}/docs  ·  OpenAI base URL {url}/v1")
    run(create_app(settings), settings, host, port)


feedback_app = typer.Typer(no_args_is_help=True, help="Readers' 👍/👎 on answers, from the web chat.")
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write (eval question format).")] = Path(
        "eval/feedback.jsonl"
    ),
) -> None:
    """Write every 👎 answer as an eval question (`assistant eval --questions OUT` replays them)."""
    from assistant.feedback import FeedbackStore, feedback_path

    store = FeedbackStore(feedback_path(get_settings()))
    try:
        n = store.export_eval_cases(out)
    except AssistantError as exc:
        fail(exc)
    typer.echo(f"wrote {n} thumbs-down item(s) to {out}")


@app.command()
def screenshots(
    out: Annotated[Path, typer.Option("--out", help="Folder for the PNGs.")] = Path("eval/reports"),
    chromium: Annotated[Path, typer.Option("--chromium", help="Chromium binary.")] = Path("/usr/bin/chromium"),
) -> None:
    """Screenshots of the web chat at desktop and phone sizes, light and dark (starts its own server)."""
    import logging

    from ui.screenshots import take_screenshots

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    try:
        paths = take_screenshots(get_settings(), out, chromium)
    except AssistantError as exc:
        fail(exc)
    typer.echo("wrote " + ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    app()
