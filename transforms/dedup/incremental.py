"""IncrementalSyndication: the live form of LabelSyndication, decided one article at a time against
state held per bucket key, with the same fingerprints and verification (signatures.py), and against
the signature index of the rows already written (index.py), by batch runs and earlier streams alike."""
from __future__ import annotations

import math
import typing

import apache_beam as beam

from schemas.dead_letter import DEAD
from transforms.dedup.index import SIGNATURE_KEYS, EarlierCopies, day_of, days_around, signature_keys
from transforms.dedup.signatures import as_shingles, fingerprint, is_copy, is_exact_key
from transforms.dedup.syndication import BUCKET_CAP, PIVOTS, WINDOW_DAYS, apply_labels
from transforms.runtime import counter
from transforms.stage import StageDoFn

KEYED = typing.Tuple[str, typing.Any]   # str keys: a deterministic coder for state keyed by them


def match_in_bucket(key: str, node: dict, entries: list[dict], cap: int = BUCKET_CAP, pivots: int = PIVOTS):
    """The incremental decision inside one bucket: the label (rank, id, canonical) the newcomer takes
    from this bucket (its own, or the smallest label of a member it is a copy of), and whether it
    is stored here. Mirrors bucket_pairs + is_copy: exact keys match every member; a full bucket
    (over `cap`) only compares with its `pivots` earliest members and stores nothing more."""
    own = (node["rank"], node["id"], node["canonical"])
    if node.get("earlier") is not None:   # a copy of a row already written: its label ranks first
        own = min(own, node["earlier"])
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
    """article → (bucket key, (node, article on the first bucket only, else None)) per bucket. With
    `state_dir`, the node carries the label of the earliest row already written that it is a copy
    of (`earlier`), from the days of the signature index around its own, cached on the worker and
    listed again every index.REFRESH_SECONDS for what other writers (and this run) added."""

    stage = "dedup"

    def __init__(self, state_dir: str | None = None, window_days: float = WINDOW_DAYS, cap: int = BUCKET_CAP):
        super().__init__()
        self.state_dir, self.window_days, self.cap = state_dir, window_days, cap
        self._earlier = None

    def setup(self):
        if self.state_dir:
            days = 2 * math.ceil(self.window_days) + 1   # the days one article needs; a live run moves on
            self._earlier = EarlierCopies(self.state_dir, self.window_days, self.cap, PIVOTS, refresh=True,
                                          keep_days=3 * days)

    def process_element(self, article):
        node = fingerprint(article)
        if self._earlier is not None:
            self._earlier.load(days_around([day_of(node["seen"])], self.window_days))
            node["earlier"] = self._earlier.best(node)
        article["content_hash"] = node["keys"][0][2:]
        article[SIGNATURE_KEYS] = signature_keys(node)   # for the writer's index entry (index.entry_of)
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

    def __init__(self, window_days: float = WINDOW_DAYS, cap: int = BUCKET_CAP, namespace: str = "dedup"):
        super().__init__()
        self.window_seconds = float(window_days) * 86400
        self.cap = cap
        self._over_cap = counter(f"{namespace}.bucket_over_cap")
        self._expired = counter(f"{namespace}.state_expired")

    def process(self, keyed, timestamp=beam.DoFn.TimestampParam, members=beam.DoFn.StateParam(MEMBERS)):
        yield from self.match(keyed, timestamp, members)

    def match(self, keyed, timestamp, members):
        key, (node, article) = keyed
        if article is not None:  # the article rides with its first bucket on to the decision
            yield node["id"], ("article", article, len(node["keys"]))
        current = self.prune(members, float(timestamp))
        label, store = self.decide(key, node, current)
        if store:
            members.add({**self.member(node), "label": label, "time": float(timestamp)})
        else:
            self._over_cap.inc()
        yield node["id"], ("label", label)

    def decide(self, key: str, node: dict, current: list[dict]):
        """(label the node takes from this bucket, whether it is stored in it)."""
        return match_in_bucket(key, node, current, self.cap)

    def member(self, node: dict) -> dict:
        """What the bucket keeps of a node, besides its label and time."""
        return {"shingles": node["shingles"]}

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
    apply = staticmethod(apply_labels)   # (article, smallest label or None) → the labelled article

    def process(self, keyed, parts=beam.DoFn.StateParam(PARTS)):
        _, message = keyed
        parts.add(message)
        seen = list(parts.read())
        articles = [m for m in seen if m[0] == "article"]
        labels = [m[1] for m in seen if m[0] == "label"]
        if not articles or len(labels) < articles[0][2]:
            return
        parts.clear()
        yield self.apply(articles[0][1], min(labels) if labels else None)


class IncrementalSyndication(beam.PTransform):
    """articles → labelled articles, one article at a time (for unbounded input, any windowing).

    The same fingerprints, buckets and verification as LabelSyndication, decided against state held
    per bucket key for `window_days` (event time). An article takes the smallest label among the
    members it is a copy of in any of its buckets, i.e. its earliest direct original's canonical;
    so it agrees with the batch form whenever copies arrive after their original and match it (or a
    copy of it that matched it) directly — the wire case. It cannot relabel rows already emitted: an
    original that arrives after its copy is labelled a duplicate of that copy's group only if it is
    later; otherwise both stay canonical. With `state_dir` (OUTPUT/_state/dedup) it also matches the
    rows already written, by batch runs and earlier streams, which rank before anything in state.
    A failing article goes to the dead-letter output.

    Apply it to articles in the global window (before any windowing for the writer): Beam state is
    per key *and window*, so fixed windows upstream would forget every bucket at each window's end.
    Returns (labelled articles, dead letters), like every stage."""

    def __init__(self, window_days: float = WINDOW_DAYS, bucket_cap: int = BUCKET_CAP,
                 expiry_timers: bool = True, state_dir: str | None = None):
        super().__init__()
        self.window_days, self.bucket_cap, self.expiry_timers = window_days, bucket_cap, expiry_timers
        self.state_dir = state_dir

    def expand(self, articles):
        matcher = ExpiringMatchInBucketDoFn if self.expiry_timers else MatchInBucketDoFn
        # One chain of keyed stateful steps, no Flatten before a stateful DoFn: the article travels
        # with its first bucket's message (seen on FnApiRunner with PeriodicImpulse: a stateful DoFn
        # fed by a Flatten of two branches of the unbounded input never ran).
        buckets, dead = articles | "Fingerprint" >> beam.ParDo(IncrementalFingerprintDoFn(
            self.state_dir, self.window_days, self.bucket_cap)).with_output_types(
            KEYED).with_outputs(DEAD, main="buckets")
        labelled = (buckets
                    | "MatchInBucket" >> beam.ParDo(matcher(self.window_days, self.bucket_cap))
                    .with_input_types(KEYED).with_output_types(KEYED)
                    | "Decide" >> beam.ParDo(DecideLabelDoFn()).with_input_types(KEYED))
        return labelled, dead
