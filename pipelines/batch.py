"""build_batch: the bounded pipeline, read → extract → language → tag → (dedup → stories) → write.

Files (`--input`) are read, sitemaps (`--sitemap`) have their pages fetched; --outlets / --since /
--until refuse archive records and sitemap pages before they are read, other inputs after extraction,
and --languages after language detection (transforms/filters.py).

Every stage returns (articles, dead letters); the dead letters of all stages meet in one
WriteDeadLetters, so whatever fails anywhere is on disk with its stage and reason.
"""
from __future__ import annotations

from functools import partial

import apache_beam as beam

from pipelines.options import Settings
from transforms.analysis import TagArticles
from transforms.analysis.entities import ner_models
from transforms.analysis.stance import load_targets
from transforms.dedup import ClusterStories, IncrementalSyndication, LabelSyndication
from transforms.dedup.ahead import MakeAhead
from transforms.dedup.index import signature_recorder
from transforms.dedup.live_stories import IncrementalStories
from transforms.dedup.story_index import EarlierStories, story_recorder
from transforms.filters import FilterArticles
from transforms.ingest import ReadInputs, SitemapPages
from transforms.ingest.inputs import resolve_inputs
from transforms.packed import INLINE, pack, unpack
from transforms.spill import Spill
from transforms.storage import join
from transforms.text import ApplyLineEvidence, ApplyTitleEvidence, CorpusEvidence, DetectLanguage, ExtractArticles
from transforms.text.corpus import PENDING
from transforms.write import WriteArticles, WriteDeadLetters


def tag_articles(settings: Settings, bounded: bool = True) -> TagArticles:
    """A live stream tags in the worker alone unless --tag_processes says otherwise: a helper's
    batches would wait for their partner batch, which a slow feed may not bring for minutes."""
    targets = load_targets(settings.targets) if settings.targets else []
    processes = settings.tagging_processes if bounded else (settings.tag_processes or 1)
    return TagArticles(ner_models(settings.ner_models), targets, settings.tag_batch_size, settings.parse, processes)


def process_articles(articles, settings: Settings, spill: Spill = INLINE):
    """The stages after extraction that batch and streaming share: (articles, [dead letters]).

    Tagging comes before dedup, though duplicates are then tagged too: it fuses with extraction, so
    spaCy in the worker overlaps trafilatura in its child process (ExtractDoFn), instead of running
    alone after the dedup shuffles."""
    filters = settings.filters
    filter_dead = []
    if filters:  # outlets and times of inputs that did not say them before extraction
        articles, dead = articles | "Filter" >> FilterArticles(filters)
        filter_dead.append(dead)
    articles, language_dead = articles | "Language" >> DetectLanguage(settings.language_prefix_chars)
    if filters.languages:
        articles, dead = articles | "FilterLanguages" >> FilterArticles(filters, "language_refused")
        filter_dead.append(dead)
    if settings.clean == "corpus" and articles.is_bounded:
        articles, tag_dead = tag_with_corpus_evidence(articles, settings, spill)
    else:
        articles, tag_dead = articles | "TagArticles" >> tag_articles(settings, articles.is_bounded)
        tag_dead = [tag_dead]
        if articles.is_bounded:   # the story features, else made after the syndication labels
            articles = articles | "Ahead" >> MakeAhead()
    articles, dedup_dead, stories_dead = label_copies_and_stories(articles, settings, spill)
    return articles, [*filter_dead, language_dead, *tag_dead, dedup_dead, *stories_dead]


def tag_with_corpus_evidence(articles, settings: Settings, spill: Spill = INLINE):
    """Text copies wait for the run's evidence (transforms/text/corpus.py) before they are tagged;
    pages need none, so they are tagged in the step that extracts them, as without evidence.
    The two meet again packed (on a local run's spill disk: they wait there for the evidence), and
    titles lose the tails the run proves suffixes."""
    evidence = articles | "CorpusEvidence" >> CorpusEvidence()
    pages, copies = articles | "SplitCopies" >> beam.Partition(lambda a, _: int(bool(a.get(PENDING))), 2)
    copies = copies | "LineEvidence" >> ApplyLineEvidence(evidence)
    pages, pages_dead = pages | "TagArticles" >> tag_articles(settings)
    pages = pages | "Ahead" >> MakeAhead()   # on two cores now rather than after the evidence, on one
    copies, copies_dead = copies | "TagCopies" >> tag_articles(settings)
    packed = partial(pack, spill=spill)
    both = ((pages | "PackPages" >> beam.Map(packed), copies | "PackCopies" >> beam.Map(packed))
            | "Meet" >> beam.Flatten())
    unpacked = partial(unpack, spill=spill)
    return both | "TitleEvidence" >> ApplyTitleEvidence(evidence, then=unpacked), [pages_dead, copies_dead]


def label_copies_and_stories(articles, settings: Settings, spill: Spill = INLINE):
    """Syndication groups and stories: the batch form over a bounded input; one article at a time
    against state for live input (no global grouping). Both read the indexes of the rows written."""
    window_days = settings.dedup_window_days
    if not articles.is_bounded:
        # expiry timers on real streaming runners; Beam's local runner (no --runner) prunes on touch
        articles, dedup_dead = articles | "Syndication" >> IncrementalSyndication(
            window_days, expiry_timers=settings.remote_runner, state_dir=dedup_state_dir(settings))
        articles, stories_dead = articles | "Stories" >> IncrementalStories(
            story_state_dir(settings), settings.story_threshold, settings.story_window_days, reach_days=window_days)
        return articles, dedup_dead, [stories_dead]
    articles, dedup_dead = articles | "Syndication" >> LabelSyndication(dedup_state_dir(settings), window_days,
                                                                        spill=spill)
    earlier = EarlierStories(story_state_dir(settings), settings.story_window_days,
                             window_days) if settings.output else None
    articles, stories_dead = articles | "Stories" >> ClusterStories(settings.story_threshold,
                                                                     settings.story_window_days, earlier=earlier,
                                                                     spill=spill)
    return articles, dedup_dead, [stories_dead]


def dedup_state_dir(settings: Settings) -> str | None:
    """Where the signatures of the articles written are kept between runs (none for an output-less graph)."""
    return join(settings.output, "_state", "dedup") if settings.output else None


def story_state_dir(settings: Settings) -> str | None:
    """Where the story of each syndication group written is kept between runs."""
    return join(settings.output, "_state", "stories") if settings.output else None


def recorders(settings: Settings, spill: Spill = INLINE) -> tuple:
    """What the writer keeps of each row it writes, besides the row: the indexes later runs read."""
    if not settings.output:
        return ()
    return signature_recorder(dedup_state_dir(settings), spill), story_recorder(story_state_dir(settings))


def build_batch(pipeline: beam.Pipeline, settings: Settings, files=None, spill: Spill = INLINE):
    """Add the batch graph to `pipeline`. `files` (from resolve_inputs) may be given by the caller
    that already resolved them to validate the command line; `spill` (a local run's spill folder,
    transforms/spill.py) keeps what waits at the shuffles on disk."""
    if files is None:
        files = resolve_inputs(list(settings.input), settings.manifest) if settings.input else []

    raw, dead = [], []
    if files or not settings.sitemap:
        read, read_dead = pipeline | "Read" >> ReadInputs(files, settings.max_document_bytes, settings.filters,
                                                          settings.archive_split_bytes)
        raw.append(read)
        dead.append(read_dead)
    if settings.sitemap:
        pages, sitemap_dead = pipeline | "Sitemaps" >> SitemapPages(settings.sitemap, settings.client_settings,
                                                                    settings.filters)
        raw.append(pages)
        dead.extend(sitemap_dead)
    raw = raw[0] if len(raw) == 1 else tuple(raw) | "AllDocuments" >> beam.Flatten()
    articles, extract_dead = raw | "Extract" >> ExtractArticles(settings.extract_timeout, settings.clean)
    articles, stage_dead = process_articles(articles, settings, spill)
    written, write_dead = articles | "Write" >> WriteArticles(settings.output, settings.files_per_partition,
                                                                     recorders=recorders(settings, spill), spill=spill)

    dead = [*dead, extract_dead, *stage_dead, write_dead]
    _ = tuple(dead) | "MergeDeadLetters" >> beam.Flatten() | "WriteDeadLetters" >> WriteDeadLetters(settings.output)
    return written
