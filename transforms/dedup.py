"""LabelSyndication: syndication groups (exact and near copies) that label every copy, never drop one.

Each article gets `cluster_id` (the group's canonical article_id), `is_duplicate` (true for every
member but the canonical) and `duplicate_of` (the canonical's article_id; null on the canonical).
The canonical is the earliest `published_at` (ties and missing dates: smallest `article_id`), so the
answer is the same on every run and runner.

How two articles become one group (an edge in a graph whose connected components are the groups):
- exact: the same `content_hash` (normalised text, from extract.content_hash) or the same canonical
  URL (courlan's normaliser strips tracking parameters and fragments; we fold scheme, `www.`,
  trailing slash and AMP variants on top);
- near: datasketch MinHash (NUM_PERM permutations) over word SHINGLE_WORDS-grams, LSH with BANDS bands
  of BAND_ROWS rows. Rows of 3 put the LSH S-curve's midpoint near Jaccard 0.23, so a wire copy cut to
  40% of its original (Jaccard ≈ 0.35-0.4) still meets it in some band with probability > 0.97, while
  unrelated texts (Jaccard < 0.05) do in about 1% of pairs. Every candidate pair is then verified on the exact
  shingle sets: Jaccard ≥ JACCARD_MIN, or containment of the shorter in the longer ≥ CONTAINMENT_MIN
  (with a Jaccard floor), which is what joins truncated copies that Jaccard alone misses.

Scale-out shape (no step holds all articles): fingerprints per element → (band key, node) →
GroupByKey → pairs within a bucket (a bucket over BUCKET_CAP members is counted and only linked to its
PIVOTS earliest members, never expanded into all pairs) → distinct pairs → verified by two joins with
the shingle sets → connected components by iterative min-label propagation: every node starts with its
own label (rank, canonical) and takes the smallest label among its neighbours each round. A fixed
number of rounds (LABEL_ROUNDS, default 8) is run, which converges for components of diameter ≤ 8
(syndication groups are stars around the wire original, diameter 2); a final check counts nodes that
were still changing (`dedup.unconverged`) so a too-small setting shows in the run summary.
The labels are joined back to the rows with CoGroupByKey.

Across runs (`state_dir`, e.g. OUTPUT/_state/dedup): the fingerprints of recent articles (within
`window_days` of the newest one seen) are kept as sharded Parquet written through Beam FileSystems
(temporary name, then rename). A later run reads them as extra nodes that rank before any new
article, so a copy of an article written earlier points at the existing canonical, and a rerun of the
same input finds its own nodes again and reproduces the same labels.

`IncrementalSyndication` is the live form: the same fingerprints and verification, decided one
article at a time against state held per band key (see its docstring for how it differs).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import typing

import apache_beam as beam
import numpy as np

from transforms.packed import pack, unpack
from transforms.stage import StageDoFn, counter


SHINGLE_WORDS = 5
NUM_PERM = 255          # 85 bands × 3 rows
BAND_ROWS = 3
BANDS = NUM_PERM // BAND_ROWS
MINHASH_SEED = 1
JACCARD_MIN = 0.5       # a light edit, byline or footer keeps Jaccard well above this
CONTAINMENT_MIN = 0.7   # share of the shorter text's shingles found in the longer (truncated copies)
JACCARD_FLOOR = 0.2     # containment alone never joins a short excerpt to a much longer article
MIN_SHINGLES = 10       # texts shorter than this only join by exact hash or URL
BUCKET_CAP = 64
PIVOTS = 2
LABEL_ROUNDS = 8
WINDOW_DAYS = 7
INDEX_SHARDS = 8

NODE = "node"           # tagged output of the fingerprint stage
KEYED = typing.Tuple[str, typing.Any]   # str keys: a deterministic coder for state keyed by them
NO_TIME = "9999-12-31T23:59:59.999999"
WORD_RE = re.compile(r"\w+", re.UNICODE)
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


# --------------------------------------------------------------------------- fingerprints


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


def _word_hashes(tokens: list[str]) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
                     for t in tokens], dtype=np.uint64)


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


def minhash_signature(shingles: np.ndarray, num_perm: int = NUM_PERM) -> np.ndarray:
    """datasketch MinHash of the shingle hashes (already uniform 32-bit values, so no re-hashing)."""
    from datasketch import MinHash
    m = MinHash(num_perm=num_perm, seed=MINHASH_SEED, hashfunc=_identity)
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


def fingerprint(article: dict) -> dict:
    """The node of the syndication graph: who it is, how it ranks, the keys it is bucketed under and
    the shingle set pairs are verified on. Carries no text."""
    from transforms.extract import content_hash
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


# --------------------------------------------------------------------------- pairs and verification


def is_exact_key(key: str) -> bool:
    return key.startswith(("h:", "u:"))


def bucket_pairs(key: str, refs, cap: int = BUCKET_CAP, pivots: int = PIVOTS):
    """(pairs, over_cap) for one bucket. Exact-key buckets link every member to the earliest (a star:
    linear, no verification needed). Band buckets give all pairs up to `cap` members; a larger one
    (boilerplate shared by thousands of pages) only pairs each member with the `pivots` earliest."""
    refs = sorted(set(refs))
    if len(refs) < 2:
        return [], False
    if is_exact_key(key):
        return [(refs[0], r) for r in refs[1:]], False
    if len(refs) <= cap:
        return [(a, b) for i, a in enumerate(refs) for b in refs[i + 1:]], False
    heads = refs[:pivots]
    return [(h, r) for i, h in enumerate(heads) for r in refs[i + 1:]], True


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


# --------------------------------------------------------------------------- components and labels


def propagate_once(adjacency: dict, labels: dict) -> dict:
    """One round of min-label propagation (what one Beam round computes, as a plain function)."""
    new = dict(labels)
    for node, neighbours in adjacency.items():
        for other in neighbours:
            if labels[other] < new[node]:
                new[node] = labels[other]
    return new


def components(edges, rounds: int = LABEL_ROUNDS) -> dict:
    """id → label ref of the component's smallest node, by the same propagation the pipeline runs."""
    adjacency: dict = {}
    labels: dict = {}
    for a, b in edges:
        adjacency.setdefault(a[1], []).append(b[1])
        adjacency.setdefault(b[1], []).append(a[1])
        labels[a[1]], labels[b[1]] = a, b
    for _ in range(rounds):
        new = propagate_once(adjacency, labels)
        if new == labels:
            break
        labels = new
    return labels


def apply_labels(article: dict, label) -> dict:
    """Set cluster_id / is_duplicate / duplicate_of from the component's label (rank, id, canonical)."""
    canonical = label[2] if label else article["article_id"]
    article["cluster_id"] = canonical
    article["is_duplicate"] = canonical != article["article_id"]
    article["duplicate_of"] = canonical if article["is_duplicate"] else None
    return article


# --------------------------------------------------------------------------- Beam: batch form


class FingerprintDoFn(StageDoFn):
    """article → (article_id, packed article) on the main output and its node on NODE."""

    stage = "dedup"

    def process_element(self, article):
        node = fingerprint(article)
        article["content_hash"] = node["keys"][0][2:]
        yield article["article_id"], pack(article)  # it waits at JoinLabels for the whole dedup
        yield beam.pvalue.TaggedOutput(NODE, node)


class BucketPairsDoFn(beam.DoFn):
    def __init__(self, cap: int, pivots: int):
        super().__init__()
        self.cap, self.pivots = cap, pivots
        self._over_cap = counter("dedup.bucket_over_cap")

    def process(self, keyed):
        key, refs = keyed
        pairs, over = bucket_pairs(key, refs, self.cap, self.pivots)
        if over:
            self._over_cap.inc()
        exact = is_exact_key(key)
        for a, b in pairs:
            yield beam.pvalue.TaggedOutput("exact", (a, b)) if exact else (a, b)


def _attach_first(joined):
    """(id_a, {pairs, shingles}) → (id_b, (pair, shingles_a)) for each pair of which id_a is first."""
    _, group = joined
    shingles = list(group["shingles"])
    if not shingles:
        return
    for pair in group["pairs"]:
        yield pair[1][1], (pair, shingles[0])


class VerifyPairsDoFn(beam.DoFn):
    def __init__(self):
        super().__init__()
        self._verified = counter("dedup.pairs_verified")
        self._rejected = counter("dedup.pairs_rejected")

    def process(self, joined):
        _, group = joined
        shingles = list(group["shingles"])
        if not shingles:
            return
        b = as_shingles(shingles[0])
        for pair, blob_a in group["pairs"]:
            if is_copy(as_shingles(blob_a), b):
                self._verified.inc()
                yield pair
            else:
                self._rejected.inc()


def _spread(joined):
    """One propagation round at one node: its label to every neighbour and to itself."""
    node, group = joined
    labels = list(group["label"])
    if not labels:
        return
    label = labels[0]
    yield node, label
    for other in group["adjacent"]:
        yield other, label


class ConnectedComponents(beam.PTransform):
    """edges (ref_a, ref_b) → (id, label ref) for every node on an edge, by `rounds` of min-label
    propagation; a last round counts the nodes whose label still changed (`<namespace>.unconverged`)."""

    def __init__(self, rounds: int = LABEL_ROUNDS, namespace: str = "dedup"):
        super().__init__()
        self.rounds, self.namespace = rounds, namespace

    def expand(self, edges):
        adjacent = edges | "Adjacency" >> beam.FlatMap(lambda e: [(e[0][1], e[1][1]), (e[1][1], e[0][1])])
        labels = (edges
                  | "OwnLabels" >> beam.FlatMap(lambda e: [(e[0][1], e[0]), (e[1][1], e[1])])
                  | "FirstLabel" >> beam.CombinePerKey(min))
        for i in range(self.rounds):
            labels = ({"adjacent": adjacent, "label": labels}
                      | f"Meet{i}" >> beam.CoGroupByKey()
                      | f"Spread{i}" >> beam.FlatMap(_spread)
                      | f"Min{i}" >> beam.CombinePerKey(min))
        unconverged = counter(f"{self.namespace}.unconverged")

        def check(joined):
            node, group = joined
            label = list(group["label"])[0]
            best = min([label, *group["neighbour"]])
            if best != label:
                unconverged.inc()
            yield node, best

        neighbour_labels = ({"adjacent": adjacent, "label": labels}
                            | "MeetCheck" >> beam.CoGroupByKey()
                            | "SpreadCheck" >> beam.FlatMap(
                                lambda j: [(o, list(j[1]["label"])[0]) for o in j[1]["adjacent"]]))
        return ({"label": labels, "neighbour": neighbour_labels}
                | "JoinCheck" >> beam.CoGroupByKey()
                | "Check" >> beam.FlatMap(check))


def _label_row(joined):
    _, group = joined
    labels = list(group["label"])
    for packed in group["article"]:
        yield apply_labels(unpack(packed), labels[0] if labels else None)


class LabelSyndication(beam.PTransform):
    """articles → (articles with cluster_id, is_duplicate, duplicate_of; dead letters).

    `state_dir` (optional, e.g. OUTPUT/_state/dedup): read the fingerprints of earlier runs from it and
    write this run's back, so that copies are labelled across runs (see the module docstring)."""

    def __init__(self, state_dir: str | None = None, window_days: float = WINDOW_DAYS,
                 bucket_cap: int = BUCKET_CAP, rounds: int = LABEL_ROUNDS):
        super().__init__()
        self.state_dir, self.window_days = state_dir, window_days
        self.bucket_cap, self.rounds = bucket_cap, rounds

    def expand(self, articles):
        from schemas.dead_letter import DEAD
        results = articles | "Fingerprint" >> beam.ParDo(FingerprintDoFn()).with_outputs(NODE, DEAD, main="rows")
        rows, nodes, dead = results.rows, results[NODE], results[DEAD]
        if self.state_dir:
            from transforms.dedup_state import ReadSignatureIndex, merge_with_index
            earlier = articles.pipeline | "ReadIndex" >> ReadSignatureIndex(self.state_dir, self.window_days)
            nodes = merge_with_index(nodes, earlier)

        buckets = (nodes
                   | "ByKey" >> beam.FlatMap(lambda n: [(k, node_ref(n)) for k in n["keys"]])
                   | "Bucket" >> beam.GroupByKey()
                   | "Pairs" >> beam.ParDo(BucketPairsDoFn(self.bucket_cap, PIVOTS)).with_outputs("exact", main="candidates"))
        shingles = nodes | "ShinglesById" >> beam.Map(lambda n: (n["id"], n["shingles"]))
        verified = ({"pairs": buckets.candidates | "DistinctPairs" >> beam.Distinct()
                              | "ByFirst" >> beam.Map(lambda p: (p[0][1], p)),
                     "shingles": shingles}
                    | "JoinFirst" >> beam.CoGroupByKey()
                    | "AttachFirst" >> beam.FlatMap(_attach_first))
        verified = ({"pairs": verified, "shingles": shingles}
                    | "JoinSecond" >> beam.CoGroupByKey()
                    | "Verify" >> beam.ParDo(VerifyPairsDoFn()))
        edges = (buckets.exact, verified) | "Edges" >> beam.Flatten()
        labels = edges | "Components" >> ConnectedComponents(self.rounds)

        labelled = ({"article": rows, "label": labels}
                    | "JoinLabels" >> beam.CoGroupByKey()
                    | "Label" >> beam.FlatMap(_label_row))
        duplicates = counter("dedup.duplicates")
        labelled = labelled | "CountDuplicates" >> beam.Map(lambda a: (duplicates.inc() if a["is_duplicate"] else None) or a)
        if self.state_dir:
            from transforms.dedup_state import WriteSignatureIndex
            _ = (nodes, labels) | "WriteIndex" >> WriteSignatureIndex(self.state_dir, self.window_days)
        return labelled, dead


# --------------------------------------------------------------------------- Beam: incremental form


def match_in_bucket(key: str, node: dict, entries: list[dict], cap: int = BUCKET_CAP, pivots: int = PIVOTS):
    """The incremental decision inside one bucket: the label (rank, id, canonical) the newcomer takes
    from this bucket (its own, or the smallest label of a member it is a copy of), and whether it
    is stored here. Mirrors bucket_pairs + is_copy: exact keys match every member; a full bucket
    (over `cap`) only compares with its `pivots` earliest members and stores nothing more."""
    own = (node["rank"], node["id"], node["canonical"])
    members = sorted(entries, key=lambda e: e["label"])
    over = len(members) >= cap
    if over:
        members = members[:pivots]
    shingles = as_shingles(node["shingles"])
    best = own
    for member in members:
        if is_exact_key(key) or is_copy(shingles, as_shingles(member["shingles"])):
            best = min(best, member["label"])
    return best, not over


class IncrementalFingerprintDoFn(StageDoFn):
    """article → (bucket key, (node, article on the first bucket only, else None)) per bucket."""

    stage = "dedup"

    def process_element(self, article):
        node = fingerprint(article)
        article["content_hash"] = node["keys"][0][2:]
        node["keys"] = list(dict.fromkeys(node["keys"]))
        for i, key in enumerate(node["keys"]):
            yield key, (node, article if i == 0 else None)


class MatchInBucketDoFn(beam.DoFn):
    """Keyed by bucket key (band, content hash or URL): state holds the recent members of the bucket
    with the label each took; members older than the window are dropped whenever the bucket is
    touched. This form sets no timer (see ExpiringMatchInBucketDoFn)."""

    from apache_beam.coders import PickleCoder as _PickleCoder
    from apache_beam.transforms.userstate import BagStateSpec as _Bag

    MEMBERS = _Bag("members", _PickleCoder())

    def __init__(self, window_days: float = WINDOW_DAYS, cap: int = BUCKET_CAP):
        super().__init__()
        self.window_seconds = float(window_days) * 86400
        self.cap = cap
        self._over_cap = counter("dedup.bucket_over_cap")
        self._expired = counter("dedup.state_expired")

    def process(self, keyed, timestamp=beam.DoFn.TimestampParam, members=beam.DoFn.StateParam(MEMBERS)):
        yield from self.match(keyed, timestamp, members)

    def match(self, keyed, timestamp, members):
        key, (node, article) = keyed
        if article is not None:  # the article rides with its first bucket on to the decision
            yield node["id"], ("article", article, len(node["keys"]))
        current = self.prune(members, float(timestamp))
        label, store = match_in_bucket(key, node, current, self.cap)
        if store:
            members.add({"label": label, "shingles": node["shingles"], "time": float(timestamp)})
        else:
            self._over_cap.inc()
        yield node["id"], ("label", label)

    def prune(self, members, now: float) -> list[dict]:
        """The members still inside the window at `now`; the bag is rewritten when some left it."""
        stored = list(members.read())
        kept = [m for m in stored if m["time"] > now - self.window_seconds]
        if len(kept) < len(stored):
            self._expired.inc(len(stored) - len(kept))
            members.clear()
            for m in kept:
                members.add(m)
        return kept


class ExpiringMatchInBucketDoFn(MatchInBucketDoFn):
    """MatchInBucketDoFn plus an event-time timer that empties a bucket nobody touches any more, so
    state does not outlive the window on a runner that runs for months (Dataflow, Flink).
    Not used on Beam's local FnApiRunner: there, behind PeriodicImpulse, event-time timers fire at
    the end of every bundle and the run spends its time re-committing state (measured: a 30 s
    `newsbeam stream` never finished); pruning on touch bounds a local run's state well enough."""

    from apache_beam.transforms.timeutil import TimeDomain as _TimeDomain
    from apache_beam.transforms.userstate import TimerSpec as _Timer

    MEMBERS = MatchInBucketDoFn.MEMBERS
    EXPIRY = _Timer("expiry", _TimeDomain.WATERMARK)

    def process(self, keyed, timestamp=beam.DoFn.TimestampParam,
                members=beam.DoFn.StateParam(MEMBERS), expiry=beam.DoFn.TimerParam(EXPIRY)):
        yield from self.match(keyed, timestamp, members)
        expiry.set(timestamp + self.window_seconds)

    @beam.transforms.userstate.on_timer(EXPIRY)
    def expire(self, fired=beam.DoFn.TimestampParam, members=beam.DoFn.StateParam(MEMBERS),
               expiry=beam.DoFn.TimerParam(EXPIRY)):
        kept = self.prune(members, float(fired))
        if kept:
            expiry.set(max(m["time"] for m in kept) + self.window_seconds)


class DecideLabelDoFn(beam.DoFn):
    """Keyed by article id: waits for the article and one label from each of its buckets, then
    emits the article with the smallest label."""

    from apache_beam.coders import PickleCoder as _PickleCoder
    from apache_beam.transforms.userstate import BagStateSpec as _Bag

    PARTS = _Bag("parts", _PickleCoder())

    def process(self, keyed, parts=beam.DoFn.StateParam(PARTS)):
        _, message = keyed
        parts.add(message)
        seen = list(parts.read())
        articles = [m for m in seen if m[0] == "article"]
        labels = [m[1] for m in seen if m[0] == "label"]
        if not articles or len(labels) < articles[0][2]:
            return
        parts.clear()
        yield apply_labels(articles[0][1], min(labels) if labels else None)


class IncrementalSyndication(beam.PTransform):
    """articles → labelled articles, one article at a time (for unbounded input, any windowing).

    The same fingerprints, buckets and verification as LabelSyndication, decided against state held
    per bucket key for `window_days` (event time). An article takes the smallest label among the
    members it is a copy of in any of its buckets, i.e. its earliest direct original's canonical;
    so it agrees with the batch form whenever copies arrive after their original and match it (or a
    copy of it that matched it) directly — the wire case. It cannot relabel rows already emitted: an
    original that arrives after its copy is labelled a duplicate of that copy's group only if it is
    later; otherwise both stay canonical. A failing article goes to the dead-letter output.

    Apply it to articles in the global window (before any windowing for the writer): Beam state is
    per key *and window*, so fixed windows upstream would forget every bucket at each window's end.
    Returns (labelled articles, dead letters), like every stage."""

    def __init__(self, window_days: float = WINDOW_DAYS, bucket_cap: int = BUCKET_CAP,
                 expiry_timers: bool = True):
        super().__init__()
        self.window_days, self.bucket_cap, self.expiry_timers = window_days, bucket_cap, expiry_timers

    def expand(self, articles):
        from schemas.dead_letter import DEAD
        matcher = ExpiringMatchInBucketDoFn if self.expiry_timers else MatchInBucketDoFn
        # One chain of keyed stateful steps, no Flatten before a stateful DoFn: the article travels
        # with its first bucket's message (seen on FnApiRunner with PeriodicImpulse: a stateful DoFn
        # fed by a Flatten of two branches of the unbounded input never ran).
        buckets, dead = articles | "Fingerprint" >> beam.ParDo(IncrementalFingerprintDoFn()).with_output_types(
            KEYED).with_outputs(DEAD, main="buckets")
        labelled = (buckets
                    | "MatchInBucket" >> beam.ParDo(matcher(self.window_days, self.bucket_cap))
                    .with_input_types(KEYED).with_output_types(KEYED)
                    | "Decide" >> beam.ParDo(DecideLabelDoFn()).with_input_types(KEYED))
        return labelled, dead
