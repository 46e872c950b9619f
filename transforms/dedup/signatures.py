"""Signatures of an article's text and URL, and the test that two of them are copies.

- exact keys: the same `content_hash` (normalised text, text/identity.content_hash) or the same
  canonical URL (courlan's normaliser strips tracking parameters and fragments; we fold scheme,
  `www.`, trailing slash and AMP variants on top);
- near keys: datasketch MinHash (NUM_PERM permutations) over word SHINGLE_WORDS-grams, LSH with BANDS
  bands of BAND_ROWS rows. Rows of 3 put the LSH S-curve's midpoint near Jaccard 0.23, so a wire copy
  cut to 40% of its original (Jaccard ≈ 0.35-0.4) still meets it in some band with probability > 0.97,
  while unrelated texts (Jaccard < 0.05) do in about 1% of pairs;
- verification on the exact shingle sets: Jaccard ≥ JACCARD_MIN, or containment of the shorter in the
  longer ≥ CONTAINMENT_MIN (with a Jaccard floor), which is what joins truncated copies that Jaccard
  alone misses.

A node of the syndication graph (`fingerprint`) carries who the article is, how it ranks for the
canonical choice, its keys and its shingle set, and no text.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
# With the module, not on first use: the graph builder imports this at start-up, while the command
# waits for its forkserver anyway; on first use it was 0.7 s (scipy, via datasketch.lsh) of the
# single-core tail after the last input.
from datasketch import MinHash

from transforms.text.identity import content_hash

SHINGLE_WORDS = 5
NUM_PERM = 255          # 85 bands × 3 rows
BAND_ROWS = 3
BANDS = NUM_PERM // BAND_ROWS
MINHASH_SEED = 1
JACCARD_MIN = 0.5       # a light edit, byline or footer keeps Jaccard well above this
CONTAINMENT_MIN = 0.7   # share of the shorter text's shingles found in the longer (truncated copies)
JACCARD_FLOOR = 0.2     # containment alone never joins a short excerpt to a much longer article
MIN_SHINGLES = 10       # texts shorter than this only join by exact hash or URL
NO_TIME = "9999-12-31T23:59:59.999999"
WORD_RE = re.compile(r"\w+", re.UNICODE)
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def url_key(url: str | None) -> str | None:
    """The canonical form of an article URL: tracking parameters, fragment, scheme, `www.`/`m.`/`amp.`,
    trailing slash and AMP variants folded, so that every address of one page gives one key."""
    if not url or "://" not in url:
        return None
    import courlan
    try:
        url = courlan.normalize_url(url.strip(), strict=True)
    except Exception:  # noqa: BLE001 - an unparsable URL simply has no key
        return None
    url = re.sub(r"^[a-z]+://", "", url, flags=re.I)
    host, _, rest = url.partition("/")
    host = re.sub(r"^(www\d*|m|amp)\.", "", host.lower())
    path, _, query = rest.partition("?")
    path = re.sub(r"(/amp|\.amp)(?=/|\.html?$|$)", "", path, flags=re.I)
    query = "&".join(p for p in query.split("&") if p and not re.match(r"(amp|outputtype=amp)(=|$)", p, re.I))
    path = path.rstrip("/")
    return f"{host}/{path}" + (f"?{query}" if query else "")


def words(text: str) -> list[str]:
    return WORD_RE.findall((text or "").casefold())


# Words repeat across articles: each one's hash is computed once per WORD_CACHE distinct words.
WORD_CACHE = 100_000
_WORD_HASHES: dict[str, int] = {}


def _word_hash(token: str) -> int:
    if len(_WORD_HASHES) >= WORD_CACHE:
        _WORD_HASHES.clear()
    value = _WORD_HASHES[token] = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(),
                                                 "little")
    return value


def _word_hashes(tokens: list[str]) -> np.ndarray:
    known = _WORD_HASHES
    return np.fromiter((known[t] if t in known else _word_hash(t) for t in tokens), dtype=np.uint64,
                       count=len(tokens))


def shingle_set(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 32-bit hashes of the text's word k-grams (the whole text when shorter than k)."""
    tokens = words(text)
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    h = _word_hashes(tokens)
    if len(h) < k:
        h = np.concatenate([h, np.zeros(k - len(h), dtype=np.uint64)])
    n = len(h) - k + 1
    with np.errstate(over="ignore"):
        mixed = np.zeros(n, dtype=np.uint64)
        for j in range(k):  # polynomial combination of k consecutive word hashes, mod 2^64
            mixed = mixed * np.uint64(1099511628211) + h[j:j + n]
        mixed ^= mixed >> np.uint64(29)
        mixed = (mixed * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
        mixed ^= mixed >> np.uint64(32)
    return np.unique((mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32))


def _identity(value):
    return value


_PERMUTATIONS: dict[int, object] = {}


def minhash_signature(shingles: np.ndarray, num_perm: int = NUM_PERM) -> np.ndarray:
    """datasketch MinHash of the shingle hashes (already uniform 32-bit values, so no re-hashing).
    The permutations depend only on the seed: drawn once per process, not once per article."""
    template = _PERMUTATIONS.get(num_perm)
    if template is None:
        template = _PERMUTATIONS[num_perm] = MinHash(num_perm=num_perm, seed=MINHASH_SEED, hashfunc=_identity)
    m = MinHash(num_perm=num_perm, seed=MINHASH_SEED, hashfunc=_identity, permutations=template.permutations,
                scheme=template.scheme)
    if len(shingles):
        m.update_batch(shingles.astype(np.uint64))
    return m.hashvalues.astype(np.uint32)


def band_keys(signature: np.ndarray, rows: int = BAND_ROWS) -> list[str]:
    bands = len(signature) // rows
    return [f"b{i}:" + hashlib.blake2b(signature[i * rows:(i + 1) * rows].tobytes(), digest_size=8).hexdigest()
            for i in range(bands)]


def rank_key(article: dict, priority: int = 1) -> str:
    """Sort key of the canonical choice: (priority, published_at, article_id). Priority 0 marks
    articles already written by an earlier run, which stay canonical over anything new."""
    published = article.get("published_at")
    when = published.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") if published else NO_TIME
    return f"{priority}|{when}|{article['article_id']}"


def seen_time(article: dict) -> dt.datetime | None:
    return article.get("published_at") or article.get("fetched_at")


# what fingerprint() reads of an article (transforms/carried.py: made ahead, it is reused while these are unchanged)
FINGERPRINT_FIELDS = ("article_id", "text", "content_hash", "url", "published_at", "fetched_at")
FINGERPRINT_AHEAD = "_fingerprint_ahead"


def fingerprint(article: dict) -> dict:
    """The node of the syndication graph: who it is, how it ranks, the keys it is bucketed under and
    the shingle set pairs are verified on. Carries no text."""
    text = article.get("text") or ""
    shingles = shingle_set(text)
    keys = [f"h:{article.get('content_hash') or content_hash(text)}"]
    url = url_key(article.get("url"))
    if url:
        keys.append(f"u:{url}")
    if len(shingles) >= MIN_SHINGLES:
        keys.extend(band_keys(minhash_signature(shingles)))
    return {"id": article["article_id"], "rank": rank_key(article), "canonical": article["article_id"],
            "keys": keys, "shingles": shingles.tobytes(), "seen": seen_time(article)}


def node_ref(node: dict) -> tuple[str, str, str]:
    """(rank, id, canonical): what buckets, edges and labels carry about a node. Tuples compare by
    rank first, so min() of refs is the canonical choice."""
    return node["rank"], node["id"], node["canonical"]


def is_exact_key(key: str) -> bool:
    return key.startswith(("h:", "u:"))


# --------------------------------------------------------------------------- compact forms of a node
# What the batch shuffles carry instead of strings: a bucket as (shard, 63-bit key), a node as a 63-bit
# number and its rank as two 64-bit numbers. A clash of two 63-bit hashes among a million articles has
# a chance of about 5e-8.

EXACT_SHARDS = {"h": BANDS, "u": BANDS + 1}   # band buckets are sharded by band, exact keys by kind
_HEX_ID = re.compile(r"[0-9a-f]{32}")
_YEAR_ONE = dt.datetime(1, 1, 1)


_MASK63 = (1 << 63) - 1   # Beam's coders take signed 64-bit integers


def hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") & _MASK63


def bucket_of(key: str) -> tuple[int, int]:
    """(shard, 64-bit bucket) of a bucket key: a band key's own hash in its band's shard, an exact
    key's hash in the shard of its kind."""
    kind, _, value = key.partition(":")
    if kind in EXACT_SHARDS:
        return EXACT_SHARDS[kind], hash64(key)
    return int(kind[1:]), int(value, 16) & _MASK63


def is_exact_shard(shard: int) -> bool:
    return shard >= BANDS


def node_number(article_id: str) -> int:
    """A node's 64-bit number (a hash of its id): what identifies it in the compact shuffles."""
    return hash64(article_id)


def rank_order(rank: str) -> tuple[int, int]:
    """rank_key as two 64-bit numbers that sort like it: (priority and microseconds of the rank time,
    the id's order). newsbeam's ids are 32 hex digits, whose first 16 sort like the whole; another id
    sorts by its first 8 bytes (ties beyond them fall back on node_number)."""
    priority, when, article_id = rank.split("|", 2)
    moment = dt.datetime.strptime(when, "%Y-%m-%dT%H:%M:%S.%f") - _YEAR_ONE
    micros = (moment.days * 86400 + moment.seconds) * 1_000_000 + moment.microseconds
    if _HEX_ID.fullmatch(article_id):
        order = int(article_id[:16], 16)
    else:
        order = int.from_bytes(article_id.encode("utf-8")[:8].ljust(8, b"\0"), "big")
    return (int(priority) << 62) | micros, order


def similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard, containment of the smaller set in the larger) of two sorted unique shingle sets."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def is_copy(a: np.ndarray, b: np.ndarray) -> bool:
    jaccard, containment = similarity(a, b)
    if jaccard >= JACCARD_MIN:
        return True
    return containment >= CONTAINMENT_MIN and jaccard >= JACCARD_FLOOR and min(len(a), len(b)) >= MIN_SHINGLES


def as_shingles(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.uint32)
