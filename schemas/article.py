"""The article row: its Arrow schema, its version and the record that travels between stages.

Between stages an article is a plain dict (picklable, cheap to encode on any runner) whose keys are
the columns below. Only `transforms/write.py` turns it into Arrow, through `ARTICLE_SCHEMA`.
Bump `SCHEMA_VERSION` whenever a column is added (minor) or changes meaning or type (major).
"""
from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1.5.0"

ENTITY = pa.struct([
    ("text", pa.string()),
    ("label", pa.string()),        # PERSON | ORG | LOC | MISC
    ("start", pa.int32()),         # character offsets into `text`
    ("end", pa.int32()),
    ("canonical", pa.string()),    # the fullest name for this entity seen in the article, in its language
    ("canonical_latin", pa.string()),  # `canonical` in Latin letters ("Дмитрий Песков" → "Dmitrii Peskov")
])
QUOTE = pa.struct([
    ("speaker", pa.string()),
    ("text", pa.string()),
    ("start", pa.int32()),
    ("end", pa.int32()),
    ("direct", pa.bool_()),
])
STANCE = pa.struct([
    ("target_id", pa.string()),
    ("holder", pa.string()),
    ("holder_type", pa.string()),  # article | PERSON | ORG | LOC
    ("label", pa.string()),        # support | oppose | neutral
    ("score", pa.float32()),
    ("evidence", pa.string()),
])
REMOVED = pa.struct([             # what cleaning took out of the text, so that it can be audited
    ("kind", pa.string()),         # caption | related | pull_quote | footer | title_suffix | ...
    ("text", pa.string()),
    ("evidence", pa.string()),     # why: "rule: caption credit", "repeated in 14 articles of x.com", ...
])

UTC_MICROS = pa.timestamp("us", tz="UTC")

ARTICLE_SCHEMA = pa.schema([
    # identity and provenance
    ("article_id", pa.string()),
    ("source", pa.string()),
    ("input_kind", pa.string()),   # html | text | feed_entry | jsonl | fetched
    ("url", pa.string()),
    ("outlet", pa.string()),
    ("site_name", pa.string()),
    # content
    ("title", pa.string()),
    ("authors", pa.list_(pa.string())),
    ("published_at", UTC_MICROS),
    ("published_precision", pa.string()),  # minute | day: whether the source gave a time of day
    ("fetched_at", UTC_MICROS),
    ("date_source", pa.string()),  # published | fetched
    ("text", pa.string()),
    ("word_count", pa.int32()),
    ("text_source", pa.string()),  # page | feed_content | feed_summary (null: a plain-text input)
    ("removed", pa.list_(REMOVED)),
    # language
    ("language", pa.string()),
    ("language_score", pa.float32()),
    # syndication and stories
    ("content_hash", pa.string()),
    ("cluster_id", pa.string()),
    ("is_duplicate", pa.bool_()),
    ("duplicate_of", pa.string()),
    ("story_id", pa.string()),
    # tagging
    ("entities", pa.list_(ENTITY)),
    ("quotes", pa.list_(QUOTE)),
    ("stances", pa.list_(STANCE)),
    ("title_entities", pa.list_(ENTITY)),   # offsets into `title`
    ("title_quotes", pa.list_(QUOTE)),
    ("tone", pa.float32()),        # document sentiment in [-1, 1] (en, fr); null where no lexicon (see tone.py)
    ("schema_version", pa.string()),
])

# Written into the folder path, not as separate columns of their own beyond `outlet`.
PARTITION_KEYS = ("date", "outlet")

# Columns the warehouse reads best dictionary-encoded (few distinct values).
DICTIONARY_COLUMNS = ["outlet", "site_name", "input_kind", "date_source", "language", "schema_version",
                      "text_source"]

# The long and the list columns: zstd, and no min/max statistics. The short scalar columns get
# snappy (zstd sets up per column chunk, and a partition, one outlet and one day, is often a file of
# a handful of rows: on short columns the set-up cost more than it saved) and statistics, where a
# warehouse filters or looks up; min/max of the text, the title and the lists (whole article texts in
# the footer) made up a quarter of a small file's bytes and prune nothing (bench/RESULTS.md, 2026-12-03).
LONG_COLUMNS = ("title", "authors", "text", "removed", "entities", "quotes", "stances", "title_entities",
                "title_quotes")
STATISTICS_COLUMNS = [name for name in ARTICLE_SCHEMA.names if name not in LONG_COLUMNS]


def new_article(**fields) -> dict:
    """An article record with every column present and later stages' columns at neutral values.

    Stages fill what they own; a row written before a stage exists still has the full schema
    (`cluster_id` = `story_id` = `article_id`, not a duplicate, empty lists)."""
    row = {name: None for name in ARTICLE_SCHEMA.names}
    row.update(authors=[], removed=[], entities=[], quotes=[], stances=[], title_entities=[], title_quotes=[],
               is_duplicate=False, schema_version=SCHEMA_VERSION)
    row.update(fields)
    if row.get("article_id"):
        row["cluster_id"] = row["cluster_id"] or row["article_id"]
        row["story_id"] = row["story_id"] or row["article_id"]
    return row
