"""The run summary: built from the stages' Beam counters, printed and saved as `_runs/<run id>.json`.

The counts must balance: every input read (a file, a feed entry, a JSON Lines record) ends as an
article written, an article already present from an earlier run, or a dead letter.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets

from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter

from transforms.stage import NAMESPACE


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def counters(result) -> dict[str, int] | None:
    """Committed counter values of the newsbeam namespace, by name (attempted where a runner commits
    none); None when the runner reports no metrics at all, so the summary says so instead of zeros."""
    try:
        metrics = result.metrics()
    except NotImplementedError:
        metrics = None
    if metrics is None:
        return None
    values: dict[str, int] = {}
    for c in metrics.query(MetricsFilter().with_namespace(NAMESPACE))["counters"]:
        value = c.committed if c.committed is not None else c.attempted
        values[c.key.metric.name] = values.get(c.key.metric.name, 0) + int(value or 0)
    return values


def build_summary(values: dict[str, int], *, run_id: str, started: dt.datetime, finished: dt.datetime,
                  output: str, command: str = "run") -> dict:
    unavailable = values is None
    values = values or {}
    dead = {name.split(".", 1)[1]: n for name, n in values.items() if name.startswith("dead.") and name.count(".") == 1}
    reasons = {name.split(".", 1)[1]: n for name, n in values.items() if name.startswith("dead.") and name.count(".") == 2}
    inputs = values.get("read.out", 0) + dead.get("read", 0)
    written = values.get("articles_written", 0)
    present = values.get("write.already_present", 0)
    dead_total = sum(dead.values())
    return {
        "run_id": run_id,
        "command": command,
        "output": output,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 2),
        "files": values.get("read.files", 0),
        "inputs": inputs,
        "articles_written": written,
        "already_present": present,
        "dead_letters": dead_total,
        "dead_letters_by_stage": dict(sorted(dead.items())),
        "dead_letters_by_reason": dict(sorted(reasons.items())),
        "balanced": None if unavailable else inputs == written + present + dead_total,
        "counters_available": not unavailable,
        "counters": dict(sorted(values.items())),
    }


def save_summary(summary: dict, output: str) -> str:
    path = FileSystems.join(output, "_runs", f"{summary['run_id']}.json")
    with FileSystems.create(path) as f:
        f.write(json.dumps(summary, indent=2).encode("utf-8"))
    return path


def format_summary(summary: dict) -> str:
    lines = [
        f"newsbeam {summary['command']} {summary['run_id']}: {summary['inputs']} inputs from {summary['files']} files"
        f" → {summary['articles_written']} articles written"
        + (f", {summary['already_present']} already present" if summary["already_present"] else "")
        + f", {summary['dead_letters']} dead letters in {summary['seconds']:.1f} s"
        + ("  (this runner reported no counters: counts unknown, see the output folder)"
           if summary.get("counters_available") is False
           else "" if summary["balanced"] else "  (COUNTS DO NOT BALANCE)"),
    ]
    if summary["dead_letters_by_stage"]:
        by_stage = ", ".join(f"{stage} {n}" for stage, n in summary["dead_letters_by_stage"].items())
        by_reason = ", ".join(f"{reason} {n}" for reason, n in summary["dead_letters_by_reason"].items())
        lines.append(f"  dead letters by stage: {by_stage}  (reasons: {by_reason})")
    return "\n".join(lines)
