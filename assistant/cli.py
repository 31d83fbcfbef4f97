"""Command line: ingest · audit · export (and the commands later stages add)."""

from __future__ import annotations

import csv
import json
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import get_settings
from assistant.errors import AssistantError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Plan Assistant: exact, cited answers.")


def fail(exc: AssistantError) -> None:
    """One line on stderr, non-zero exit: the message already says what to do."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=2)


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="Plan page (.txt or .html); default: the vendored plan.")] = None,
) -> None:
    """Build index/plan.sqlite from the raw plan; unchanged input changes nothing."""
    from assistant.ingest.pipeline import read_plan
    from assistant.store import PlanStore

    settings = get_settings()
    started = time.perf_counter()
    try:
        plan = read_plan(path or settings.source)
        written = PlanStore(settings.sqlite_path).write_plan(plan)
    except AssistantError as exc:
        fail(exc)
        return
    elapsed = time.perf_counter() - started
    state = "written" if written else "unchanged"
    typer.echo(
        f"plan.sqlite {state}: {len(plan.sections)} sections, {len(plan.tasks)} tasks, "
        f"{len(plan.reforms)} reforms, {len(plan.findings)} findings, "
        f"{len(plan.cleaning.removed)} lines removed, {len(plan.cleaning.suspect)} suspect ({elapsed:.2f}s)"
    )


@app.command()
def audit(as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False) -> None:
    """Cross-check the plan's numbers and list findings with evidence."""
    from assistant.store import PlanStore

    try:
        plan = PlanStore(get_settings().sqlite_path).load_plan()
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


class ExportFormat(str, Enum):
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
) -> None:
    """Write the reconstructed plan, text as in the source."""
    from assistant.store import PlanStore

    try:
        plan = PlanStore(get_settings().sqlite_path).load_plan()
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


if __name__ == "__main__":
    app()
