"""The plan database (index/plan.sqlite). The only module that writes it.

Schema changes are ordered, named migration functions; `schema_migrations` records which ran.
A build is skipped when the reconstructed plan's content hash equals the stored one, so re-ingesting
unchanged input writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.chunks import Chunk
from assistant.errors import IndexMissingError
from assistant.models import CleanReport, Finding, Plan, Reform, RemovedLine, Section, SuspectText, Task


def _m001_plan(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE sections (
            id TEXT PRIMARY KEY, ord INTEGER NOT NULL, kind TEXT NOT NULL, heading TEXT NOT NULL,
            path TEXT NOT NULL, text TEXT NOT NULL, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL);
        CREATE TABLE tasks (
            id TEXT PRIMARY KEY, ord INTEGER NOT NULL, group_no INTEGER NOT NULL, grp TEXT NOT NULL,
            seq INTEGER NOT NULL, content TEXT NOT NULL, responsible TEXT NOT NULL, citywide TEXT,
            unassigned_values TEXT, unit_values TEXT, ambiguous INTEGER NOT NULL,
            line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, cell_lines TEXT NOT NULL);
        CREATE TABLE district_values (
            task_id TEXT NOT NULL REFERENCES tasks(id), district TEXT NOT NULL, value TEXT NOT NULL,
            ord INTEGER NOT NULL, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
            PRIMARY KEY (task_id, district));
        CREATE TABLE reforms (
            id TEXT PRIMARY KEY, no INTEGER NOT NULL, district TEXT NOT NULL, item TEXT NOT NULL,
            targets TEXT NOT NULL, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
            cell_lines TEXT NOT NULL);
        CREATE TABLE milestones (
            reform_id TEXT NOT NULL REFERENCES reforms(id), quarter TEXT NOT NULL, ord INTEGER NOT NULL,
            text TEXT NOT NULL, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
            PRIMARY KEY (reform_id, quarter, ord));
        CREATE TABLE findings (
            ord INTEGER PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,
            evidence TEXT NOT NULL, refs TEXT NOT NULL);
        CREATE TABLE cleaning (
            ord INTEGER PRIMARY KEY, kind TEXT NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL,
            context TEXT, reason TEXT NOT NULL);
        CREATE INDEX district_values_by_district ON district_values(district);
        CREATE INDEX milestones_by_quarter ON milestones(quarter);
        CREATE INDEX reforms_by_district ON reforms(district);
        """
    )


def _m002_chunks(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE chunks (
            id TEXT PRIMARY KEY, ord INTEGER NOT NULL, kind TEXT NOT NULL, record_id TEXT NOT NULL,
            text TEXT NOT NULL, district TEXT, quarter TEXT, line_start INTEGER NOT NULL,
            line_end INTEGER NOT NULL, metadata TEXT NOT NULL);
        CREATE INDEX chunks_by_record ON chunks(record_id);
        """
    )


def _m003_plan_shape(db: sqlite3.Connection) -> None:
    """What the general reader adds: extra columns and table numbers of rows, and the plan's shape
    (units, milestone periods, tables, reader warnings, derived vocabulary) as JSON documents."""
    db.executescript(
        """
        ALTER TABLE tasks ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE tasks ADD COLUMN table_no INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE reforms ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE reforms ADD COLUMN table_no INTEGER NOT NULL DEFAULT 2;
        CREATE TABLE plan_shape (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


def _m004_source_lines_and_generation(db: sqlite3.Connection) -> None:
    """The raw lines of each ingested page (citations show them), and the index's generation id."""
    db.executescript(
        """
        CREATE TABLE source_lines (
            source_sha256 TEXT NOT NULL, line_no INTEGER NOT NULL, text TEXT NOT NULL,
            PRIMARY KEY (source_sha256, line_no)) WITHOUT ROWID;
        CREATE TABLE index_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


MIGRATIONS: tuple[tuple[str, Callable[[sqlite3.Connection], None]], ...] = (
    ("001_plan", _m001_plan),
    ("002_chunks", _m002_chunks),
    ("003_plan_shape", _m003_plan_shape),
    ("004_source_lines_and_generation", _m004_source_lines_and_generation),
)
PLAN_TABLES = (
    "meta", "sections", "tasks", "district_values", "reforms", "milestones", "findings", "cleaning", "plan_shape",
)
SHAPE_FIELDS = ("units", "periods", "tables", "warnings", "profile")


def plan_hash(plan: Plan) -> str:
    """Content hash of the reconstructed plan: equal hashes mean nothing to rewrite."""
    return hashlib.sha256(plan.model_dump_json().encode("utf-8")).hexdigest()


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class PlanStore:
    """Reads and writes plan.sqlite. Open one per thread or process; connections are cheap."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection with migrations applied (writers) or a check that the database exists (readers)."""
        if not write and not self.path.exists():
            raise IndexMissingError(f"{self.path} does not exist; run `assistant ingest` to build it")
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            if write:
                self.migrate(db)
            yield db
            if write:
                db.commit()
        except sqlite3.DatabaseError as exc:
            db.rollback()
            raise IndexMissingError(
                f"{self.path} is unreadable ({exc}); delete it and run `assistant ingest`"
            ) from exc
        finally:
            db.close()

    @staticmethod
    def migrate(db: sqlite3.Connection) -> list[str]:
        """Apply the migrations not yet recorded, in order; returns their names."""
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)")
        done = {row[0] for row in db.execute("SELECT name FROM schema_migrations")}
        applied = []
        for name, migration in MIGRATIONS:
            if name not in done:
                migration(db)
                db.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
                applied.append(name)
        return applied

    def stored_hash(self) -> str | None:
        """The content hash of the plan currently stored, if any."""
        if not self.path.exists():
            return None
        try:
            with self.connect() as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'plan_hash'").fetchone()
        except (IndexMissingError, sqlite3.OperationalError):
            return None
        return row[0] if row else None

    def write_plan(self, plan: Plan) -> bool:
        """Replace the stored plan in one transaction; returns False when it was already current."""
        digest = plan_hash(plan)
        if self.stored_hash() == digest:
            return False
        with self.connect(write=True) as db:
            for table in PLAN_TABLES:
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            meta = {**plan.metadata, "source_name": plan.source_name, "source_sha256": plan.source_sha256}
            meta["plan_hash"] = digest
            db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
            db.executemany(
                "INSERT INTO sections VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (s.id, i, s.kind, s.heading, _dump(s.path), s.text, s.lines[0], s.lines[1])
                    for i, s in enumerate(plan.sections)
                ],
            )
            for i, t in enumerate(plan.tasks):
                db.execute(
                    "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        t.id, i, t.group_no, t.group, t.seq, t.content, _dump(t.responsible), t.citywide,
                        _dump(t.unassigned_values) if t.unassigned_values is not None else None,
                        _dump(t.unit_values) if t.unit_values is not None else None,
                        int(t.ambiguous), t.lines[0], t.lines[1], _dump(t.cell_lines), _dump(t.extra), t.table,
                    ),
                )
                for j, (district, value) in enumerate((t.districts or {}).items()):
                    span = t.cell_lines.get(district, t.lines)
                    db.execute(
                        "INSERT INTO district_values VALUES (?, ?, ?, ?, ?, ?)",
                        (t.id, district, value, j, span[0], span[1]),
                    )
            for r in plan.reforms:
                db.execute(
                    "INSERT INTO reforms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (r.id, r.no, r.district, r.item, _dump(r.targets), r.lines[0], r.lines[1], _dump(r.cell_lines),
                     _dump(r.extra), r.table),
                )
                for quarter, items in r.milestones.items():
                    span = r.cell_lines.get(quarter, r.lines)
                    db.executemany(
                        "INSERT INTO milestones VALUES (?, ?, ?, ?, ?, ?)",
                        [(r.id, quarter, k, text, span[0], span[1]) for k, text in enumerate(items)],
                    )
            shape = plan.model_dump(include=set(SHAPE_FIELDS))
            db.executemany("INSERT INTO plan_shape VALUES (?, ?)", [(k, _dump(v)) for k, v in shape.items()])
            db.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (i, f.kind, f.status, f.message, _dump(f.evidence), _dump(f.refs))
                    for i, f in enumerate(plan.findings)
                ],
            )
            rows: list[tuple[str, int, str, str | None, str]] = [
                ("removed", r.line, r.text, None, r.reason) for r in plan.cleaning.removed
            ]
            rows += [("suspect", s.line, s.text, s.context, s.reason) for s in plan.cleaning.suspect]
            db.executemany(
                "INSERT INTO cleaning VALUES (?, ?, ?, ?, ?, ?)", [(i, *row) for i, row in enumerate(rows)]
            )
        return True

    def load_plan(self) -> Plan:
        """The stored plan, rebuilt from its tables (what export writes)."""
        with self.connect() as db:
            meta = {r["key"]: r["value"] for r in db.execute("SELECT key, value FROM meta")}
            sections = [
                Section(
                    id=r["id"], path=json.loads(r["path"]), kind=r["kind"], heading=r["heading"],
                    text=r["text"], lines=(r["line_start"], r["line_end"]),
                )
                for r in db.execute("SELECT * FROM sections ORDER BY ord")
            ]
            values: dict[str, dict[str, str]] = {}
            for r in db.execute("SELECT task_id, district, value FROM district_values ORDER BY task_id, ord"):
                values.setdefault(r["task_id"], {})[r["district"]] = r["value"]
            tasks = [
                Task(
                    id=r["id"], group_no=r["group_no"], group=r["grp"], seq=r["seq"], content=r["content"],
                    responsible=json.loads(r["responsible"]), districts=values.get(r["id"]),
                    citywide=r["citywide"],
                    unassigned_values=json.loads(r["unassigned_values"]) if r["unassigned_values"] else None,
                    unit_values=json.loads(r["unit_values"]) if r["unit_values"] else None,
                    ambiguous=bool(r["ambiguous"]), lines=(r["line_start"], r["line_end"]),
                    cell_lines={k: tuple(v) for k, v in json.loads(r["cell_lines"]).items()},
                    extra=json.loads(r["extra"]), table=r["table_no"],
                )
                for r in db.execute("SELECT * FROM tasks ORDER BY ord")
            ]
            shape = {r["key"]: json.loads(r["value"]) for r in db.execute("SELECT key, value FROM plan_shape")}
            codes = [p["code"] for p in shape.get("periods", [])]
            milestones: dict[str, dict[str, list[str]]] = {}
            for r in db.execute("SELECT reform_id, quarter, text FROM milestones ORDER BY reform_id, quarter, ord"):
                milestones.setdefault(r["reform_id"], {}).setdefault(r["quarter"], []).append(r["text"])
            reforms = [
                Reform(
                    id=r["id"], no=r["no"], district=r["district"], item=r["item"],
                    targets=json.loads(r["targets"]),
                    milestones={q: milestones.get(r["id"], {}).get(q, []) for q in codes},
                    lines=(r["line_start"], r["line_end"]),
                    cell_lines={k: tuple(v) for k, v in json.loads(r["cell_lines"]).items()},
                    extra=json.loads(r["extra"]), table=r["table_no"],
                )
                for r in db.execute("SELECT * FROM reforms ORDER BY table_no, no")
            ]
            findings = [
                Finding(
                    kind=r["kind"], status=r["status"], message=r["message"],
                    evidence=json.loads(r["evidence"]), refs=json.loads(r["refs"]),
                )
                for r in db.execute("SELECT * FROM findings ORDER BY ord")
            ]
            cleaning = CleanReport()
            for r in db.execute("SELECT * FROM cleaning ORDER BY ord"):
                if r["kind"] == "removed":
                    cleaning.removed.append(RemovedLine(line=r["line"], text=r["text"], reason=r["reason"]))
                else:
                    cleaning.suspect.append(
                        SuspectText(line=r["line"], text=r["text"], context=r["context"], reason=r["reason"])
                    )
        source_name = meta.pop("source_name", "")
        source_sha = meta.pop("source_sha256", "")
        meta.pop("plan_hash", None)
        return Plan(
            metadata=meta, sections=sections, tasks=tasks, reforms=reforms, findings=findings,
            cleaning=cleaning, source_name=source_name, source_sha256=source_sha, **shape,
        )

    # ---- chunks ------------------------------------------------------------------------------------
    _CHUNK_COLUMNS = ("id", "kind", "record_id", "text", "district", "quarter", "lines")

    def write_chunks(self, chunks: list[Chunk]) -> bool:
        """Replace the stored chunks in one transaction; returns False when they were already current.

        Comparing first keeps a warm `assistant ingest` from rewriting the file (and its mtime) for nothing.
        """
        try:
            if self.load_chunks() == chunks:
                return False
        except (IndexMissingError, sqlite3.OperationalError):
            pass  # no database yet, or no chunks table: write below
        with self.connect(write=True) as db:
            db.execute("DELETE FROM chunks")
            db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.id, i, c.kind, c.record_id, c.text, c.district, c.quarter, c.lines[0], c.lines[1],
                        # Fields a later Chunk may grow ride along as JSON, so load_chunks round-trips them.
                        _dump(c.model_dump(exclude=set(self._CHUNK_COLUMNS))),
                    )
                    for i, c in enumerate(chunks)
                ],
            )
        return True

    def load_chunks(self) -> list[Chunk]:
        """The stored chunks in document order (empty when ingest has not written any yet)."""
        with self.connect() as db:
            rows = db.execute("SELECT * FROM chunks ORDER BY ord").fetchall()
        return [
            Chunk(
                id=r["id"], kind=r["kind"], record_id=r["record_id"], text=r["text"], district=r["district"],
                quarter=r["quarter"], lines=(r["line_start"], r["line_end"]), **json.loads(r["metadata"]),
            )
            for r in rows
        ]

    # ---- source lines and the index generation ---------------------------------------------------
    def has_source_lines(self, source_sha256: str) -> bool:
        """True when the lines of the page with this content hash are stored."""
        try:
            with self.connect() as db:
                row = db.execute("SELECT 1 FROM source_lines WHERE source_sha256 = ? LIMIT 1", (source_sha256,))
                return row.fetchone() is not None
        except (IndexMissingError, sqlite3.OperationalError):
            return False

    def write_source_lines(self, source_sha256: str, lines: list[str]) -> bool:
        """Store a page's raw lines (numbered from 1) once per content hash; False when already stored.

        Pages no longer in the plan are dropped, so the table holds the lines of what was ingested.
        """
        if self.has_source_lines(source_sha256):
            return False
        with self.connect(write=True) as db:
            db.execute("DELETE FROM source_lines WHERE source_sha256 <> ?", (source_sha256,))
            db.executemany(
                "INSERT INTO source_lines VALUES (?, ?, ?)",
                [(source_sha256, n, text) for n, text in enumerate(lines, start=1)],
            )
        return True

    def source_lines(self, source_sha256: str, start: int, end: int) -> list[tuple[int, str]]:
        """(line number, text) of lines start..end of an ingested page; empty when not stored."""
        try:
            with self.connect() as db:
                rows = db.execute(
                    "SELECT line_no, text FROM source_lines WHERE source_sha256 = ? AND line_no BETWEEN ? AND ? "
                    "ORDER BY line_no", (source_sha256, start, end),
                ).fetchall()
        except (IndexMissingError, sqlite3.OperationalError):
            return []
        return [(int(r[0]), str(r[1])) for r in rows]

    def generation(self) -> str | None:
        """The id of the index generation last written (changes whenever a build changes anything)."""
        try:
            with self.connect() as db:
                row = db.execute("SELECT value FROM index_state WHERE key = 'generation'").fetchone()
        except (IndexMissingError, sqlite3.OperationalError):
            return None
        return str(row[0]) if row else None

    def write_generation(self, generation: str) -> None:
        """Record a new generation id; workers that see it reload the plan, chunks and retriever."""
        with self.connect(write=True) as db:
            db.execute("INSERT OR REPLACE INTO index_state (key, value) VALUES ('generation', ?)", (generation,))
