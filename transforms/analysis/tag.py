"""TagArticles: entities, quotes, stances and tone, one parse per article (and one of its title).

Articles are batched (BatchElements) so that each language's pipeline runs `nlp.pipe` once per
batch, over the batch's texts and titles together; every later step reads those Docs: entities from
their `ents`, quotes from their parse, stances from their sentences, tone from the text's sentences.
With parse="needed" (the default) spaCy parses only the sentences quotes and role names read, and
the whole of a text that mentions a stance target (partial.py); "full" parses everything.
The title's entities and quotes go to `title_entities` / `title_quotes` with offsets into `title`
(so that `entities` keep theirs into `text`); a name in the title and the text gets the same
`canonical`; the title's cues count toward the article's own stance, and a holder the title names
("NATO still considering sending troops") gets a row whose evidence is the title. VADER and the stance rules load in `setup`; a language's
pipeline loads once per DoFn instance when the first article in that language arrives (each takes
2-6 s: a run without Russian or French text never pays for natasha or the French model).

Languages without a configured pipeline (see entities.py) get no entities and no quotes,
and count as `tag.untagged`; stances still run on their text (relevance and cues need no parse).
Stances come from stance/ (`RuleBasedStance`); without `--targets` the column stays empty.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import pickle
import zlib

import apache_beam as beam

from schemas.dead_letter import DEAD
from transforms.analysis.entities import NATASHA, canonical_names, load_tagger, ner_models
from transforms.analysis.names import outlet_name
from transforms.analysis.quotes import extract_quotes
from transforms.analysis.stance import MultilingualStance
from transforms.analysis.tag_pool import HelperError, TagPool
from transforms.analysis.tone import document_tone, load_analyzer
from transforms.runtime import counter
from transforms.stage import StageDoFn

LOG = logging.getLogger(__name__)
DEFAULT_BATCH_SIZE = 32
# spaCy's memory grows with the text; news is far shorter, and a 2 MB "article" is a data error.
MAX_TAG_CHARS = 100_000
MAX_TITLE_CHARS = 1_000
# Exact copies (wire stories carried word for word) take their original's tags: the packed tags of
# recent articles are kept, up to this many bytes per worker.
REUSE_BYTES = 64 << 20
TAG_FIELDS = ("entities", "quotes", "stances", "title_entities", "title_quotes", "tone")


def reuse_key(article: dict) -> bytes:
    """What an article's tags depend on: language, title, text, and its outlet's name when the text
    has it (an outlet's own name is tagged ORG: names.type_outlets)."""
    language, title, text = article.get("language") or "und", article.get("title") or "", article.get("text") or ""
    own = outlet_name(article.get("outlet")) or ""
    if own and own not in f"{title}\n{text}".casefold():  # a superset of names._key(entity) == own
        own = ""
    key = hashlib.blake2b(digest_size=16)
    for part in (language, own, title, text):
        key.update(str(part).encode("utf-8", "surrogatepass"))
        key.update(b"\x1f")
    return key.digest()


def check_models(models: dict[str, str]) -> None:
    """ValueError (one line for the command) for a pipeline that is neither an installed spaCy
    package nor a folder."""
    from pathlib import Path

    import spacy
    for language, model in models.items():
        if model != NATASHA and not (spacy.util.is_package(model) or Path(model).is_dir()):
            raise ValueError(f"--ner_models: {language}={model} is neither an installed spaCy pipeline nor a folder")


class TagArticlesDoFn(StageDoFn):
    """A batch of articles in, each article out with entities, quotes, stances and tone."""

    stage = "tag"

    def __init__(self, models: dict[str, str], targets: list, batch_size: int = DEFAULT_BATCH_SIZE,
                 parse: str = "needed", processes: int = 1):
        super().__init__()
        self.models = dict(models)
        self.targets = list(targets)
        self.batch_size = batch_size
        self.parse_mode = parse
        self.processes = max(1, int(processes))
        self._untagged = counter("tag.untagged")
        self._truncated = counter("tag.truncated")
        self._entities = counter("tag.entities")
        self._quotes = counter("tag.quotes")
        self._stances = counter("tag.stances")
        self._reused = counter("tag.reused")
        self._batches = counter("tag.batches")

    def setup(self):
        from cachetools import LRUCache
        self.taggers = {}
        self.analyzer = load_analyzer()
        self.stance = MultilingualStance(self.targets) if self.targets else None
        self.recent = LRUCache(maxsize=REUSE_BYTES, getsizeof=len)   # reuse_key → packed tags
        self.pool = None
        if self.processes > 1:   # helpers tag every other batch while this worker parses the next
            self.pool = TagPool(self.processes - 1, ChildTagger,
                                (self.models, self.targets, self.batch_size, self.parse_mode))
        self._held = []            # batches given to the pool: (element, future, fresh, keys, copies)
        self._pending = set()      # their reuse keys: copies of them wait for their tags
        self._full_batches = 0
        self._warmed = None        # the helpers started with the first full batch: futures of their languages
        self._waiting = []         # (element, copy, key) of copies whose original is at a helper

    def teardown(self):
        if getattr(self, "pool", None) is not None:
            self.pool.close()

    def process(self, batch, element=beam.DoFn.WindowedValueParam):
        """Exact copies of an article tagged before (or earlier in the batch, or at a helper) take its
        tags; the rest are parsed, here or (every other batch) by a helper process."""
        self._batches.inc()
        fresh, copies, keys = [], [], {}
        for article in batch:
            key = reuse_key(article)
            if key in self.recent or key in keys or key in self._pending:
                copies.append((article, key))
            else:
                keys[key] = article
                fresh.append(article)
        # the helpers start with the first full batch (a run of a few articles never starts them),
        # loading its languages' models while this worker loads its own and tags it; they take batches
        # after it, up to two each waiting, so that none idles while this worker reads or tags.
        if self.pool is not None and self._warmed is None and len(batch) >= self.batch_size:
            self._warmed = self.pool.warm(sorted({article.get("language") or "und" for article in fresh}))
        if self.pool is not None and fresh and self._full_batches and len(self._held) < 2 * self.pool.helpers:
            self._held.append((element, self.pool.submit(fresh), fresh, keys, copies))
            self._pending.update(keys)
            yield from self._collect(wait=False)
            return
        outputs = list(self._fresh_outputs(fresh, keys, self.tag_all(fresh)))
        self._full_batches += len(batch) >= self.batch_size
        outputs += self._copies(copies, element)
        yield from (_in(element, out) for out in outputs)
        yield from self._collect(wait=False)

    def finish_bundle(self):
        yield from self._collect(wait=True)
        if self.pool is not None:   # its models leave with it: a local batch run's shuffles come next
            self.pool.close()

    def _collect(self, wait: bool):
        """The helpers' finished batches (with `wait`, all of them), as WindowedValues of their own
        elements, and the copies that waited for their tags."""
        held, self._held = self._held, []
        # at the end of the input a batch no helper has started is tagged here, beside the helper's last
        taken = {id(item) for item in held if wait and self.pool.reclaim(item[1])}
        held.sort(key=lambda item: id(item) not in taken)
        for item in held:
            element, future, fresh, keys, copies = item
            if not wait and not future.done():
                self._held.append(item)
                continue
            if id(item) in taken:
                results = self.tag_all(fresh)
            else:
                try:
                    results = self._from_helper(fresh, future.result())
                except Exception:  # noqa: BLE001 - a helper that died: this worker tags its batch
                    self.pool.lost()
                    results = self.tag_all(fresh)
            self._pending.difference_update(keys)
            for out in [*self._fresh_outputs(fresh, keys, results), *self._copies(copies, element)]:
                yield _in(element, out)
        waiting, self._waiting = self._waiting, []
        for element, article, key in waiting:
            for out in self._copies([(article, key)], element):
                yield _in(element, out)

    def _from_helper(self, fresh: list[dict], answers: list) -> list[tuple[dict, Exception | None]]:
        results = []
        for article, (status, value) in zip(fresh, answers, strict=True):
            if status == "ok":
                self._take_tags(article, value)
                if len(article.get("text") or "") > MAX_TAG_CHARS:
                    self._truncated.inc()
                results.append((article, None))
            else:
                results.append((article, HelperError(value)))
        return results

    def _fresh_outputs(self, fresh: list[dict], keys: dict, results):
        """Each tagged article (its tags kept for its copies) or its dead letter."""
        by_identity = {id(article): key for key, article in keys.items()}
        for article, error in results:
            if error is not None:
                yield self._reject(article, "error", error=error)
                continue
            key = by_identity.get(id(article))
            if key is not None:
                tags = {field: article[field] for field in TAG_FIELDS}
                self.recent[key] = zlib.compress(pickle.dumps(tags, protocol=pickle.HIGHEST_PROTOCOL), 1)
            self._out.inc()
            yield article

    def _copies(self, copies: list, element=None) -> list:
        """The copies' outputs; a copy whose original is still at a helper waits for it."""
        outputs = []
        for article, key in copies:
            if key in self._pending:
                self._waiting.append((element, article, key))
                continue
            packed = self.recent.get(key)
            if packed is None:  # its original became a dead letter (or left the cache): parse it
                outputs += self._fresh_outputs([article], {key: article}, self.tag_all([article]))
                continue
            self._take_tags(article, pickle.loads(zlib.decompress(packed)))
            self._reused.inc()
            self._out.inc()
            outputs.append(article)
        return outputs

    def _take_tags(self, article: dict, tags: dict) -> None:
        """Tags made elsewhere (an original's, a helper's), counted as if tagged here."""
        article.update(tags)
        if (article.get("language") or "und") not in self.models:
            self._untagged.inc()
        self._count(article)

    def _count(self, article: dict) -> None:
        self._entities.inc(len(article["entities"]))
        self._quotes.inc(len(article["quotes"]))
        self._stances.inc(len(article["stances"]))

    def tag_all(self, batch: list[dict]) -> list[tuple[dict, Exception | None]]:
        """(article tagged in place, None) or (article, the error that stopped it), in order."""
        # spaCy adds every new word of a batch to its vocabulary, which then grows for as long as the
        # worker lives; a memory zone per batch gives those strings back when the batch is done.
        with contextlib.ExitStack() as zones:
            for language in {article.get("language") or "und" for article in batch}:
                try:
                    tagger = self.tagger(language)
                except Exception:  # noqa: BLE001 - parse meets it again and makes dead letters
                    continue
                if tagger is not None and tagger.backend == "spacy":
                    zones.enter_context(tagger.nlp.memory_zone())
            try:
                docs = self.parse(batch)
            except Exception:  # noqa: BLE001 - find the article that broke the batch, one at a time
                LOG.debug("tagging a batch failed; retrying its articles one by one", exc_info=True)
                docs = None
            results = []
            for index, article in enumerate(batch):
                try:
                    doc = docs[index] if docs is not None else self.parse([article])[0]
                    results.append((self.tag(article, doc), None))
                except Exception as error:  # noqa: BLE001 - one bad article must never stop the run
                    results.append((article, error))
        return results

    def parse(self, articles: list[dict]) -> list:
        """(text Doc, title Doc) per article ((None, None) where its language has no pipeline), one
        `pipe` per language over the texts and titles."""
        docs = [(None, None)] * len(articles)
        by_language: dict[str, list[int]] = {}
        for index, article in enumerate(articles):
            by_language.setdefault(article.get("language") or "und", []).append(index)
        for language, indexes in by_language.items():
            tagger = self.tagger(language)
            if tagger is None:
                continue
            texts = [self._text(articles[i]) for i in indexes]
            texts += [(articles[i].get("title") or "")[:MAX_TITLE_CHARS] for i in indexes]
            whole = [self._about_a_target(articles[i], language) for i in indexes]
            parsed = list(tagger.pipe(texts, batch_size=self.batch_size, whole=whole + whole))
            for k, index in enumerate(indexes):
                docs[index] = (parsed[k], parsed[len(indexes) + k])
        return docs

    def tagger(self, language: str):
        """The language's pipeline, loaded on first use; None for a language without one."""
        if language not in self.models:
            return None
        if language not in self.taggers:
            self.taggers[language] = load_tagger(self.models[language], self.parse_mode)
        return self.taggers[language]

    def _about_a_target(self, article: dict, language: str) -> bool:
        """The stance rules read the parse of a text that mentions a target: it is parsed whole."""
        if self.stance is None:
            return False
        return bool(self.stance.relevant_targets(article.get("text") or "", article.get("title") or "", language))

    def _text(self, article: dict) -> str:
        text = article.get("text") or ""
        if len(text) > MAX_TAG_CHARS:
            self._truncated.inc()
            text = text[:MAX_TAG_CHARS]
        return text

    def tag(self, article: dict, parsed) -> dict:
        language = article.get("language") or "und"
        tagger = self.tagger(language)
        text, title = article.get("text") or "", article.get("title") or ""
        doc, title_doc = parsed
        if doc is None:
            self._untagged.inc()
            entities = quotes = title_entities = title_quotes = []
        else:
            outlet = article.get("outlet")
            entities, title_entities = tagger.entities(doc, outlet), tagger.entities(title_doc, outlet)
            canonical_names(title_entities + entities)   # "Putin" in the title is the text's Vladimir Putin
            spacy = tagger.backend == "spacy"
            quotes = extract_quotes(doc, entities, language) if spacy else []
            title_quotes = extract_quotes(title_doc, title_entities, language) if spacy else []
        spacy_doc, spacy_title = (doc, title_doc) if doc is not None and tagger.backend == "spacy" else (None, None)
        stances = []
        if self.stance is not None:
            stances = self.stance.stances(text=text, title=title, language=language, doc=spacy_doc,
                                          entities=entities, quotes=quotes, title_doc=spacy_title,
                                          title_entities=title_entities, title_quotes=title_quotes)
        article["entities"], article["quotes"], article["stances"] = entities, quotes, stances
        article["title_entities"], article["title_quotes"] = title_entities, title_quotes
        article["tone"] = document_tone(self.analyzer, text, language, spacy_doc)
        self._count(article)
        return article


class ChildTagger:
    """What a helper process runs (tag_pool.py): a batch in, ("ok", tag fields) or ("error",
    message) out per article."""

    def __init__(self, models, targets, batch_size, parse):
        self.dofn = TagArticlesDoFn(models, targets, batch_size, parse)
        self.dofn.setup()

    def warm(self, languages: list[str]) -> list[str]:
        """Load these languages' pipelines now (a language that fails to load fails again, with a
        dead letter, when its first batch comes); the languages loaded."""
        for language in languages:
            with contextlib.suppress(Exception):
                self.dofn.tagger(language)
        return sorted(self.dofn.taggers)

    def __call__(self, batch: list[dict]) -> list[tuple[str, object]]:
        return [("ok", {field: article[field] for field in TAG_FIELDS}) if error is None
                else ("error", f"{type(error).__name__}: {error}"[:2000]) for article, error in self.dofn.tag_all(batch)]


def _in(element, out):
    """An output of `element`, which may be emitted after later elements: its window and time
    (a direct call, outside a pipeline, has no element and gets the output itself)."""
    from apache_beam.utils.windowed_value import WindowedValue
    if not isinstance(element, WindowedValue):
        return out
    if isinstance(out, beam.pvalue.TaggedOutput):
        return beam.pvalue.TaggedOutput(out.tag, element.with_value(out.value))
    return element.with_value(out)


class TagArticles(beam.PTransform):
    """articles → (articles with entities, quotes, stances and tone; dead letters)."""

    def __init__(self, models: dict[str, str] | None = None, targets: list | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, parse: str = "needed", processes: int = 1):
        super().__init__()
        self.models = ner_models() if models is None else models
        self.targets = targets or []
        self.batch_size = int(batch_size)
        self.parse = parse
        self.processes = processes

    def expand(self, articles):
        # A bounded input is batched full from its first article: BatchElements would otherwise start
        # at one and grow as it times the batches, and the helper waits for the first full batch
        # (bench/RESULTS.md: it started 48-76 s into a 1,000 run, one core idle until then). A live
        # stream keeps small batches: an article should not wait for 31 more.
        smallest = self.batch_size if articles.is_bounded else 1
        results = (articles
                   | "KeepEventTime" >> beam.Map(_keep_event_time)
                   | "Batch" >> beam.BatchElements(min_batch_size=smallest, max_batch_size=self.batch_size)
                   | "Tag" >> beam.ParDo(TagArticlesDoFn(self.models, self.targets, self.batch_size, self.parse,
                                                   self.processes))
                   .with_outputs(DEAD, main="ok"))
        tagged = results.ok | "RestoreEventTime" >> beam.Map(_restore_event_time)
        return tagged, results[DEAD]


# BatchElements emits a batch with the minimum timestamp, which would put every streamed article into
# a window at the beginning of time; each article carries its own event time across the batch.
_EVENT_TIME = "_event_time_micros"


def _keep_event_time(article, timestamp=beam.DoFn.TimestampParam):
    return {**article, _EVENT_TIME: timestamp.micros}


def _restore_event_time(article):
    from apache_beam.transforms.window import TimestampedValue
    from apache_beam.utils.timestamp import Timestamp
    micros = article.pop(_EVENT_TIME, None)
    return article if micros is None else TimestampedValue(article, Timestamp(micros=micros))
