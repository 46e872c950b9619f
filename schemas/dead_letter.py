"""The dead-letter record: one input that could not become an article, and why.

Every stage sends its failures through one tagged output (`DEAD`) carrying these fields; the
pipeline merges them into `transforms/write.WriteDeadLetters`. Nothing is dropped silently, so a run
balances: inputs read = articles written + dead letters.
"""
from __future__ import annotations

import datetime as dt

import pyarrow as pa

DEAD = "dead"  # the tag of every stage's failure output

DEAD_LETTER_SCHEMA = pa.schema([
    ("input_ref", pa.string()),    # the article's `source`, or the file path when no article began
    ("stage", pa.string()),        # read | extract | language | dedup | tag | fetch | write ...
    ("reason", pa.string()),       # short machine-friendly cause: too_large, not_a_feed, timeout ...
    ("error_type", pa.string()),   # the exception class, or the reason when nothing was raised
    ("message", pa.string()),
    ("excerpt", pa.string()),      # the first bytes of the input, for a human to look at
    ("at", pa.timestamp("us", tz="UTC")),
])

EXCERPT_CHARS = 200


def dead_letter(input_ref: str, stage: str, reason: str, message: str = "", *,
                error: BaseException | None = None, excerpt: bytes | str | None = None) -> dict:
    if isinstance(excerpt, bytes):
        excerpt = excerpt[:EXCERPT_CHARS].decode("utf-8", "replace")
    return {
        "input_ref": str(input_ref),
        "stage": stage,
        "reason": reason,
        "error_type": type(error).__name__ if error is not None else reason,
        "message": (message or (str(error) if error is not None else reason))[:2000],
        "excerpt": (excerpt or "")[:EXCERPT_CHARS],
        "at": dt.datetime.now(dt.timezone.utc),
    }
