"""build_batch: the bounded pipeline, read → extract → language → tag → (dedup → stories) → write.

Every stage returns (articles, dead letters); the dead letters of all stages meet in one
WriteDeadLetters, so whatever fails anywhere is on disk with its stage and reason.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import StandardOptions

from pipelines.options import NewsbeamOptions, setting
from transforms.dedup import IncrementalSyndication, LabelSyndication
from transforms.extract import ExtractArticles
from transforms.language import DetectLanguage
from transforms.read import ReadInputs, resolve_inputs
from transforms.stories import ClusterStories
from transforms.tag import TagArticles
from transforms.write import WriteArticles, WriteDeadLetters


def process_articles(articles, options: NewsbeamOptions):
    """The stages after extraction that batch and streaming share: (articles, [dead letters]).

    Tagging comes before dedup, though duplicates are then tagged too: it fuses with extraction, so
    spaCy in the worker overlaps trafilatura in its child process (ExtractDoFn), instead of running
    alone after the dedup shuffles."""
    articles, language_dead = articles | "Language" >> DetectLanguage(setting(options, "language_prefix_chars"))
    articles, tag_dead = articles | "TagArticles" >> TagArticles.from_options(options)
    articles, dedup_dead, stories_dead = label_copies_and_stories(articles, options)
    return articles, [language_dead, tag_dead, dedup_dead, *stories_dead]


def label_copies_and_stories(articles, options: NewsbeamOptions):
    """Syndication groups and stories: the batch form over a bounded input; one article at a time
    against state for live input (no global grouping), where a story is its syndication group."""
    window_days = float(setting(options, "dedup_window_days"))
    if not articles.is_bounded:
        # expiry timers on real streaming runners; Beam's local runner (no --runner) prunes on touch
        timers = bool(options.view_as(StandardOptions).runner)
        articles, dedup_dead = articles | "Syndication" >> IncrementalSyndication(window_days, expiry_timers=timers)
        articles = articles | "StoryOfCluster" >> beam.Map(lambda a: {**a, "story_id": a["cluster_id"]})
        return articles, dedup_dead, []
    articles, dedup_dead = articles | "Syndication" >> LabelSyndication(dedup_state_dir(options), window_days)
    articles, stories_dead = articles | "Stories" >> ClusterStories(
        float(setting(options, "story_threshold")), int(setting(options, "story_window_days")))
    return articles, dedup_dead, [stories_dead]


def dedup_state_dir(options: NewsbeamOptions) -> str | None:
    """Where the signatures of recent articles are kept between runs (none for an output-less graph)."""
    from transforms.write import join
    return join(options.output, "_state", "dedup") if getattr(options, "output", None) else None


def build_batch(pipeline: beam.Pipeline, options: NewsbeamOptions, files=None):
    """Add the batch graph to `pipeline`. `files` (from resolve_inputs) may be given by the caller
    that already resolved them to validate the command line."""
    files = files if files is not None else resolve_inputs(options.input, options.manifest)
    max_bytes = int(float(setting(options, "max_document_mb")) * (1 << 20))

    raw, read_dead = pipeline | "Read" >> ReadInputs(files, max_bytes)
    articles, extract_dead = raw | "Extract" >> ExtractArticles(setting(options, "extract_timeout"))
    articles, stage_dead = process_articles(articles, options)
    written, write_dead = articles | "Write" >> WriteArticles(options.output, setting(options, "files_per_partition"))

    dead = [read_dead, extract_dead, *stage_dead, write_dead]
    _ = tuple(dead) | "MergeDeadLetters" >> beam.Flatten() | "WriteDeadLetters" >> WriteDeadLetters(options.output)
    return written
