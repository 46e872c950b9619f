"""The id index: every article_id the output holds and the partition it is filed in, OUTPUT/_state/ids/.

It is what makes "one row per article_id in the whole output" hold, whatever partition a rerun
would choose: an undated file whose time changed (`touch`, `cp -r`, a fresh checkout, a re-download)
computes another `date` partition, but its id was claimed here with the partition it was first
written to, and the writer (write.py) sends it there, finds the row and writes nothing.

Layout: 256 shard folders `shard=XX` (XX: two hex digits of a hash of the id), each an append-only
folder of claim files (transforms/state.py): article_id, date, outlet, the run that claimed it and
when. The writer claims in one step per shard, before any row is written:

- an id without a claim is claimed now for the partition the article computes;
- an id claimed before keeps that claim's partition, and is written there only if that partition
  does not hold it (so a claim whose row a crash lost is healed by the next run that brings it);
- the same id twice in one run: the first (smallest partition) is the article, the others repeats.

Claims first, rows second: a crash between the two leaves a claim without its row (written later,
as above), never a row without a claim (which a rerun could write a second time elsewhere). After
writing its claims a step lists its shard again; an id another writer claimed meanwhile goes to the
earlier claim's partition, so two runs of one input at once agree on one partition, where the
second finds the first's row (unless both write that very partition at the same moment).

`written(output, ids)` answers "which of these ids does the output hold, and where" for any caller.
"""
from __future__ import annotations

import hashlib
import re
import time
from typing import NamedTuple

import pyarrow as pa

from transforms import state
from transforms.storage import join

SHARD_DIGITS = 2        # 256 shards: at 10 million ids about 40,000 claims (1 MB) per shard
KEY = "article_id"

ID_SCHEMA = pa.schema([
    ("article_id", pa.string()),
    ("date", pa.string()),
    ("outlet", pa.string()),
    ("run", pa.string()),
    ("claimed_at", pa.float64()),   # seconds since the epoch
])


class Verdict(NamedTuple):
    """What the writer does with one article: write it into (date, outlet) unless that partition
    already holds it (`may_write`), or count it as already present without looking."""
    article_id: str
    date: str
    outlet: str
    may_write: bool


def index_dir(output: str) -> str:
    return join(output, "_state", "ids")


def shard_of(article_id: str) -> str:
    return hashlib.blake2b(article_id.encode("utf-8"), digest_size=4).hexdigest()[:SHARD_DIGITS]


def shard_dir(output: str, shard: str) -> str:
    return join(index_dir(output), f"shard={shard}")


def _earliest(rows: list[dict]) -> dict[str, dict]:
    """The first claim of each id (rows come oldest file first)."""
    first: dict[str, dict] = {}
    for row in rows:
        first.setdefault(row[KEY], row)
    return first


def read_claims(output: str, shard: str, ids=None):
    """(earliest claim per id, files read) of one shard; only `ids` when given, unless the shard is
    due for merging (more than state.COMPACT_AT files), which is then read whole and merged."""
    folder = shard_dir(output, shard)
    files = state.folder_files(folder)
    whole = ids is None or len(files) > state.COMPACT_AT
    rows, files = state.read_folder(folder, KEY, wanted=None if whole else ids, files=files)
    claims = _earliest(rows)
    if len(files) > state.COMPACT_AT:
        state.compact(folder, files, list(claims.values()), ID_SCHEMA, KEY)
    if ids is not None:
        wanted = set(ids)
        claims = {i: c for i, c in claims.items() if i in wanted}
    return claims, files


def written(output: str, ids) -> dict[str, tuple[str, str]]:
    """id → (date, outlet) of every id of `ids` the output holds (has claimed), in any partition."""
    by_shard: dict[str, list[str]] = {}
    for article_id in set(ids):
        by_shard.setdefault(shard_of(article_id), []).append(article_id)
    found = {}
    for shard, wanted in sorted(by_shard.items()):
        claims, _ = read_claims(output, shard, wanted)
        found.update({i: (c["date"], c["outlet"]) for i, c in claims.items()})
    return found


def resolve(output: str, shard: str, requests, run: str, now: float | None = None) -> list[tuple[tuple, Verdict]]:
    """Claim one shard's ids. `requests`: (article_id, date, outlet, key) for every article of the run
    in this shard, `key` being where the article waits for its verdict. Returns (key, Verdict) for
    each request, after writing this step's new claims (see the module docstring)."""
    now = time.time() if now is None else now
    requests = sorted(requests, key=lambda r: (r[0], r[1], r[2]))
    claims, files = read_claims(output, shard, [r[0] for r in requests])
    new = {}
    for article_id, date, outlet, _ in requests:
        if article_id not in claims and article_id not in new:
            new[article_id] = {KEY: article_id, "date": date, "outlet": outlet, "run": run, "claimed_at": now}
    mine = state.append(shard_dir(output, shard), list(new.values()), ID_SCHEMA, KEY, prefix="claims-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", run))
    if new:  # another writer may have claimed some of them meanwhile: the earlier claim wins
        seen = {p for p, _ in files}
        later = [f for f in state.folder_files(shard_dir(output, shard)) if f[0] not in seen]
        mine_at = next((m for p, m in later if p == mine), now)
        rivals, _ = state.read_folder(shard_dir(output, shard), KEY, wanted=list(new),
                                      files=[f for f in later if f[0] != mine and (f[1], f[0]) < (mine_at, mine)])
        for article_id, rival in _earliest(rivals).items():
            claims[article_id] = rival
            del new[article_id]

    verdicts, first = [], set()
    for article_id, date, outlet, key in requests:
        claim = new.get(article_id) or claims[article_id]
        # only the first request of an id may write (requests are sorted: the smallest partition)
        verdicts.append((key, Verdict(article_id, claim["date"], claim["outlet"], article_id not in first)))
        first.add(article_id)
    return verdicts
