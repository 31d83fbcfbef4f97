"""The library's commands: ingest several pages or folders, list plans, remove one."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import PROJECT_ROOT, Settings

LIBRARY_QUESTIONS = PROJECT_ROOT / "eval" / "library" / "library-scope.jsonl"
LIBRARY_PAGES = PROJECT_ROOT / "eval" / "library" / "pages.txt"


def library_wanted(paths: list[Path], settings: Settings) -> bool:
    """Several pages, a folder, or an index dir that already is a library: the pages go into the library."""
    from assistant.library import is_library

    return len(paths) > 1 or any(p.is_dir() for p in paths) or is_library(settings.index_dir)


def ingest_library(paths: list[Path], settings: Settings) -> int:
    """Add every page to the library (each plan replaced only if its page changed); returns the failures.

    A page that cannot be read is reported and skipped: the others still go in, and nothing of the
    plans already there changes.
    """
    from assistant.cli import IndexProgress
    from assistant.errors import AssistantError
    from assistant.library.shelf import add_page, pages_in

    pages = pages_in(paths)
    failures = 0
    for n, page in enumerate(pages, start=1):
        started = time.perf_counter()
        try:
            with IndexProgress() as progress:
                report = add_page(settings, page, progress=progress)
        except AssistantError as exc:
            failures += 1
            typer.echo(f"[{n}/{len(pages)}] {page}: not added: {exc}", err=True)
            continue
        e = report.entry
        typer.echo(f"[{n}/{len(pages)}] {page.name}: {report.state} as {e.id} ({e.issuer} {e.year or ''}, "
                   f"{len(e.units)} units, {report.warnings} reader warnings, {report.embedded} embedded, "
                   f"{time.perf_counter() - started:.1f}s)")
    return failures


def print_plans(settings: Settings, as_json: bool) -> None:
    """`assistant plans`: the library's plans (or the one plan of a single-plan index)."""
    from assistant.library import Registry, entry_of, is_library

    if is_library(settings.index_dir):
        entries = Registry(settings.index_dir).entries()
    else:
        from assistant.store import PlanStore

        entries = [entry_of(PlanStore(settings.sqlite_path).load_plan())]
    if as_json:
        typer.echo(json.dumps([e.model_dump() for e in entries], ensure_ascii=False, indent=1))
        return
    for e in entries:
        typer.echo(f"{e.id}\t{e.year or '-'}\t{e.issuer}\t{e.title}\t{len(e.units)} units\t{e.source_name}")


def eval_library(
    questions: Annotated[Path, typer.Option(help="Gold scope/comparison questions.")] = LIBRARY_QUESTIONS,
    pages: Annotated[Path, typer.Option(help="File listing the library's pages.")] = LIBRARY_PAGES,
    reports: Annotated[Path, typer.Option(help="Where library.md and library.json go.")] = Path("eval/reports"),
) -> None:
    """Build a library of several plans in a temp dir and score scope and comparison questions on it."""
    from assistant.config import get_settings
    from assistant.evaluation.library import evaluate_library, library_pages, write_library_report

    report = evaluate_library(library_pages(pages), questions, get_settings())
    paths = write_library_report(report, reports)
    o = report["summary"]["overall"]
    typer.echo(f"library: {o['passed']}/{o['n']} ({o['accuracy'] * 100:.1f} %), unsupported {o['unsupported_numbers']}; "
               f"wrote {', '.join(map(str, paths))}")


PLAN_HELP = "Library: the plan (an id from `assistant plans`); default: the default plan."


def plan_settings_of(plan: str | None) -> Settings:
    """The settings of one plan's own index: the library plan named (or the default), or the single index."""
    from assistant.config import get_settings
    from assistant.errors import InputError
    from assistant.library import Registry, is_library
    from assistant.library.scope import Scoper
    from assistant.library.shelf import plan_settings

    settings = get_settings()
    if not is_library(settings.index_dir):
        if plan:
            raise InputError(f"{settings.index_dir} holds one plan, not a library; drop --plan")
        return settings
    registry = Registry(settings.index_dir)
    if plan is None:
        default = Scoper(registry.entries(), settings.default_plan).default
        if default is None:
            raise InputError(f"the library in {settings.index_dir} holds no plan")
        plan = default.id
    registry.get(plan)  # NotFoundError names the plans there are
    return plan_settings(settings, plan)
