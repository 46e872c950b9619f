"""The stages of newsbeam, in the order an article meets them: ingest/ (files and feeds → raw documents),
text/ (extraction, cleaning, identity, language), analysis/ (entities, quotes, stances, tone), dedup/
(syndication groups and stories), write.py (Parquet and dead letters).

Every stage is a composite PTransform returning (output, dead letters) over plain functions; stage.py
is the DoFn base they share, runtime.py their counters, storage.py their file access. Nothing here
imports `pipelines`.
"""
