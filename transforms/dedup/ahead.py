"""MakeAhead: an article's syndication fingerprint and story features, made where the article is
tagged instead of after the run's last input.

On a bounded run the stages that need them wait at barriers (the corpus evidence, the syndication
labels); what they do after the last input runs on one core, while the stage that extracts and tags
keeps two busy (bench/RESULTS.md). Made here, both travel in the article (transforms/carried.py) and
the stages take them while the fields they were made from are unchanged: title evidence may still
shorten a title, and then the story features are made again. Labels are the same either way.
"""
from __future__ import annotations

import logging

import apache_beam as beam

from transforms.carried import keep
from transforms.dedup import signature
from transforms.dedup.signatures import FINGERPRINT_AHEAD, FINGERPRINT_FIELDS, fingerprint
from transforms.dedup.stories import FEATURE_FIELDS, FEATURES_AHEAD, node_features

LOG = logging.getLogger(__name__)


def make_ahead(article: dict) -> dict:
    """The article with its fingerprint and story features kept in it. A failure is left to the
    stage that needs the value: it makes it again and gives the dead letter its own stage name."""
    for key, fields, make in ((FINGERPRINT_AHEAD, FINGERPRINT_FIELDS, fingerprint),
                              (FEATURES_AHEAD, FEATURE_FIELDS, node_features)):
        try:
            keep(article, key, fields, make)
        except Exception:  # noqa: BLE001 - see the docstring
            LOG.debug("%s not made ahead for %s", key, article.get("article_id"), exc_info=True)
    return article


class _MakeAheadDoFn(beam.DoFn):
    def setup(self):
        signature.countries(), signature.months()   # the lists node_features reads, loaded once

    def process(self, article):
        yield make_ahead(article)


class MakeAhead(beam.PTransform):
    """articles → the same articles, carrying their fingerprint and story features."""

    def expand(self, articles):
        return articles | "Make" >> beam.ParDo(_MakeAheadDoFn())
