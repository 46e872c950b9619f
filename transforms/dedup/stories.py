"""ClusterStories: `story_id` for different texts that report the same event.

Method. A syndication group (rows sharing `cluster_id`, from LabelSyndication) is one node, represented
by its earliest row. Each node's title (counted twice: headlines name the event) and text become a
TF-IDF vector: scikit-learn's HashingVectorizer (2^18 features, English stop words, words of letters
only, so no vocabulary is held anywhere) with sublinear term frequency, and inverse document
frequency from document counts summed over the run (a fixed-size array combined globally: bounded
memory whatever the number of articles). The vector keeps its TOP_TERMS heaviest terms, L2-normalised.

Two nodes are one story when they were published within WINDOW_DAYS of each other and the cosine of
their vectors is ≥ THRESHOLD; stories are the connected components (the same min-label propagation as
dedup). Candidates meet without a global step: each node is bucketed under (salient term, time block)
for its BLOCK_TERMS heaviest terms, so only nodes that share a salient term in overlapping blocks are
compared; a bucket over BUCKET_CAP members (a term every article of the day has) is counted
(`stories.bucket_over_cap`) and skipped — the nodes still meet through their rarer terms.

Why this threshold. Reports of one event share its names and keywords (NATO, troops, Ukraine, Macron,
Kallas); reports of different events share mostly general news vocabulary, which IDF and the stop list
push down. Measured on the FNC-1 bodies (eval/dedup.py's base texts; related bodies of one headline
= one story; 6,173 same-story pairs, a 5% sample of 52,910 other pairs): same-story pairs have median
cosine 0.35 and 93% are ≥ 0.2 (connected components pick up most of the rest); pairs of different
stories have median 0.0, 99th percentile 0.09, and only 0.1% reach 0.2. THRESHOLD = 0.2 sits just
above the tail of different stories: precision first, since one false edge merges two whole stories,
and the time window removes most of that tail anyway. The two seed reports (Lenta.ru and Express on
NATO troops for Ukraine, different texts) score 0.33 (with IDF off below MIN_DOCS_FOR_IDF documents:
in a two-document run, IDF would penalise exactly the terms the reports share).

The story_id of a row is its story's earliest node's cluster_id (cluster_id itself when it is alone).
Joining labels back groups rows by cluster_id: a syndication group's rows meet on one worker, which is
bounded by the size of one group, not by the number of articles.

Across runs (`earlier`, story_index.EarlierStories): the canonical rows already written within the
window of the run's days come back as nodes that rank before every new one (EARLIER) and carry the
story_id they were given, so a later report joins an earlier story's id; edges between two earlier
nodes are dropped (their rows keep their ids: rows are never rewritten).
"""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import numpy as np

from transforms.dedup.components import ConnectedComponents
from transforms.packed import pack, unpack
from transforms.runtime import counter
from transforms.stage import StageDoFn

N_FEATURES = 1 << 18
TOP_TERMS = 60
BLOCK_TERMS = 12
THRESHOLD = 0.2
WINDOW_DAYS = 3
MIN_DOCS_FOR_IDF = 20   # fewer documents say nothing about how common a term is: tf only
BUCKET_CAP = 200
NODE = "node"
NODE_VERSION = 1        # of story_candidate's contents: bump it when they change (the story index keeps them)
EARLIER, NEW = "0", "1"  # rank prefixes: nodes of rows already written come first
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"

_VECTORIZER = None


def vectorizer():
    global _VECTORIZER
    if _VECTORIZER is None:
        from sklearn.feature_extraction.text import HashingVectorizer
        _VECTORIZER = HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, norm=None,
                                        stop_words="english", token_pattern=TOKEN_PATTERN)
    return _VECTORIZER


def term_counts(title: str | None, text: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(feature indices, counts) of the title (twice) and the text."""
    row = vectorizer().transform([f"{title or ''}\n{title or ''}\n{text or ''}"])
    return row.indices.astype(np.int32), row.data.astype(np.float32)


def tfidf(indices, counts, doc_freq: np.ndarray, n_docs: int, top: int = TOP_TERMS) -> dict[int, float]:
    """The node's heaviest `top` terms, sublinear tf × smooth idf, L2-normalised."""
    if not len(indices):
        return {}
    if n_docs >= MIN_DOCS_FOR_IDF:
        idf = np.log((1 + n_docs) / (1 + doc_freq[indices])) + 1.0
    else:
        idf = np.ones(len(indices))
    weights = (1.0 + np.log(counts)) * idf
    order = np.argsort(-weights, kind="stable")[:top]
    kept = weights[order]
    norm = float(np.sqrt((kept ** 2).sum())) or 1.0
    return {int(indices[i]): float(w) / norm for i, w in zip(order, kept)}


def cosine(a: dict[int, float], b: dict[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def day_number(moment: dt.datetime | None) -> int:
    return moment.toordinal() if moment else 0


def block_keys(vector: dict[int, float], day: int, window: int = WINDOW_DAYS, terms: int = BLOCK_TERMS) -> list[tuple]:
    """(term, block) keys: blocks are `window` days long and a node joins its block and the next, so
    any two nodes at most `window` days apart share a block."""
    salient = sorted(vector, key=lambda t: (-vector[t], t))[:terms]
    block = day // max(1, window)
    return [(t, b) for t in salient for b in (block, block + 1)]


def same_story(a: dict, b: dict, threshold: float = THRESHOLD, window: int = WINDOW_DAYS) -> bool:
    return abs(a["day"] - b["day"]) <= window and cosine(a["vector"], b["vector"]) >= threshold


def similar_pairs(members: list[dict], threshold: float = THRESHOLD, window: int = WINDOW_DAYS):
    """(i, j), i < j, of the members that are one story: all cosines of a bucket in one sparse product
    (the same decision as same_story, pair by pair)."""
    if len(members) < 2:
        return []
    from scipy.sparse import csr_matrix
    indptr, indices, data = [0], [], []
    for m in members:
        indices.extend(m["vector"])
        data.extend(m["vector"].values())
        indptr.append(len(indices))
    matrix = csr_matrix((data, indices, indptr), shape=(len(members), N_FEATURES))
    cosines = (matrix @ matrix.T).tocoo()
    days = [m["day"] for m in members]
    return sorted((int(i), int(j)) for i, j, c in zip(cosines.row, cosines.col, cosines.data)
                  if i < j and c >= threshold - 1e-9 and abs(days[i] - days[j]) <= window)


def star_edges(n: int, pairs) -> list[tuple[int, int]]:
    """The same connected components as `pairs` over n members, as a star from each component's
    smallest member: at most n - 1 edges leave a bucket instead of every similar pair."""
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [(find(i), i) for i in range(n) if find(i) != i]


class DocFreq(beam.CombineFn):
    """(documents, per-feature document counts) over the run: a fixed-size array, whatever the input."""

    def create_accumulator(self):
        return 0, np.zeros(N_FEATURES, dtype=np.int32)

    def add_input(self, acc, indices):
        n, df = acc
        df[indices] += 1
        return n + 1, df

    def merge_accumulators(self, accs):
        accs = list(accs)
        n, df = accs[0]
        for m, other in accs[1:]:
            n, df = n + m, df + other
        return n, df

    def extract_output(self, acc):
        return acc


def story_candidate(article: dict) -> tuple:
    """What the clustering compares of one row: (time, article_id, day, term indices, counts)."""
    indices, counts = term_counts(article.get("title"), article.get("text"))
    published = article.get("published_at") or article.get("fetched_at")
    when = published.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") if published else "9999"
    return when, article["article_id"], day_number(published), indices, counts


class StoryNodeDoFn(StageDoFn):
    """article → the article, and on NODE (cluster_id, representative candidate (rank, id, day,
    indices, counts, story))."""

    stage = "stories"

    def setup(self):
        vectorizer()

    def process_element(self, article):
        when, *rest = story_candidate(article)
        yield article
        yield beam.pvalue.TaggedOutput(NODE, (article["cluster_id"], (f"{NEW}|{when}", *rest, article["cluster_id"])))


def _vector_node(keyed, df):
    cluster_id, (when, _, day, indices, counts, story) = keyed
    n_docs, doc_freq = df
    vector = tfidf(indices, counts, doc_freq, n_docs)
    return {"ref": (f"{when}|{cluster_id}", cluster_id, story), "day": day, "vector": vector}


def _is_new_edge(edge) -> bool:
    """An edge with at least one node of this run (two earlier stories stay as their rows say)."""
    return not (edge[0][0].startswith(f"{EARLIER}|") and edge[1][0].startswith(f"{EARLIER}|"))


class StoryPairsDoFn(beam.DoFn):
    def __init__(self, threshold: float, window: int, cap: int):
        super().__init__()
        self.threshold, self.window, self.cap = threshold, window, cap
        self._over_cap = counter("stories.bucket_over_cap")

    def process(self, keyed):
        _, nodes = keyed
        members = []
        for node in nodes:
            members.append(node)
            if len(members) > self.cap:
                self._over_cap.inc()
                return
        members.sort(key=lambda n: n["ref"])
        for i, j in star_edges(len(members), similar_pairs(members, self.threshold, self.window)):
            yield members[i]["ref"], members[j]["ref"]


def _set_story(joined):
    cluster_id, group = joined
    labels = list(group["label"]) or list(group["own"])
    story = labels[0][2] if labels else cluster_id
    for packed in group["article"]:
        article = unpack(packed)
        article["story_id"] = story
        yield article


class ClusterStories(beam.PTransform):
    """articles (with cluster_id) → (articles with story_id; dead letters)."""

    def __init__(self, threshold: float = THRESHOLD, window_days: int = WINDOW_DAYS, bucket_cap: int = BUCKET_CAP,
                 rounds: int = 8, earlier: beam.PTransform | None = None):
        super().__init__()
        self.threshold, self.window, self.cap, self.rounds = threshold, int(window_days), bucket_cap, rounds
        self.earlier = earlier

    def expand(self, articles):
        from schemas.dead_letter import DEAD
        results = articles | "Terms" >> beam.ParDo(StoryNodeDoFn()).with_outputs(NODE, DEAD, main="articles")
        candidates = results[NODE]
        if self.earlier is not None:
            candidates = (candidates, candidates | "Earlier" >> self.earlier) | "WithEarlier" >> beam.Flatten()
        representatives = candidates | "Representative" >> beam.CombinePerKey(lambda c: min(c, key=lambda v: v[:2]))
        doc_freq = (representatives
                    | "Indices" >> beam.Map(lambda kv: kv[1][3])
                    | "DocFreq" >> beam.CombineGlobally(DocFreq()))
        nodes = representatives | "Vectors" >> beam.Map(_vector_node, beam.pvalue.AsSingleton(doc_freq))
        edges = (nodes
                 | "ByTermBlock" >> beam.FlatMap(lambda n, w: [(k, n) for k in block_keys(n["vector"], n["day"], w)],
                                                 self.window)
                 | "Bucket" >> beam.GroupByKey()
                 | "Pairs" >> beam.ParDo(StoryPairsDoFn(self.threshold, self.window, self.cap))
                 | "NewEdges" >> beam.Filter(_is_new_edge)
                 | "DistinctEdges" >> beam.Distinct())
        labels = edges | "Components" >> ConnectedComponents(self.rounds, namespace="stories")
        own = nodes | "OwnRef" >> beam.Map(lambda n: (n["ref"][1], n["ref"]))
        labelled = ({"article": results.articles | "ByCluster" >> beam.Map(lambda a: (a["cluster_id"], pack(a))),
                     "label": labels, "own": own}
                    | "JoinLabels" >> beam.CoGroupByKey()
                    | "SetStory" >> beam.FlatMap(_set_story))
        return labelled, results[DEAD]
