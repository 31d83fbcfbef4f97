"""The release gate: is this evaluation good enough to ship?

Fails when overall accuracy is below `min_overall_accuracy` (eval/thresholds.toml), when any
unanswerable question was answered, when any answer states a number its citations do not support, or
when any question raised. Only the accuracy floor is a setting; the other three are never acceptable.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.evaluation.scoring import RowScore, group_stats


@dataclass(frozen=True)
class Thresholds:
    """What eval/thresholds.toml sets."""

    min_overall_accuracy: float


@dataclass(frozen=True)
class GateResult:
    """The verdict and, when it fails, one line per broken rule naming the questions involved."""

    passed: bool
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for latest.json."""
        return asdict(self)


def load_thresholds(path: Path) -> Thresholds:
    """Read the thresholds file; a missing or malformed file is an error, never a silent default."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"thresholds file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML ({exc})") from exc
    value = data.get("min_overall_accuracy")
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise InputError(f"{path}: min_overall_accuracy must be a number between 0 and 1")
    return Thresholds(min_overall_accuracy=float(value))


def _ids(scores: Sequence[RowScore], limit: int = 10) -> str:
    shown = ", ".join(s.id for s in scores[:limit])
    return shown + (f" … (+{len(scores) - limit})" if len(scores) > limit else "")


def check_gate(scores: Sequence[RowScore], thresholds: Thresholds) -> GateResult:
    """Apply the four rules to our scored answers."""
    stats = group_stats(scores)
    reasons: list[str] = []
    accuracy = stats["accuracy"] or 0.0
    if accuracy < thresholds.min_overall_accuracy:
        reasons.append(
            f"overall accuracy {accuracy:.1%} ({stats['passed']}/{stats['n']}) is below "
            f"min_overall_accuracy {thresholds.min_overall_accuracy:.1%}"
        )
    answered = [s for s in scores if not s.expected_answerable and s.answerable]
    if answered:
        reasons.append(f"{len(answered)} unanswerable question(s) answered: {_ids(answered)}")
    unsupported = [s for s in scores if s.unsupported]
    if unsupported:
        count = sum(len(s.unsupported or []) for s in unsupported)
        reasons.append(f"{count} unsupported number(s) in {len(unsupported)} answer(s): {_ids(unsupported)}")
    errors = [s for s in scores if s.error]
    if errors:
        reasons.append(f"{len(errors)} question(s) raised an error: {_ids(errors)}")
    return GateResult(passed=not reasons, reasons=reasons)
