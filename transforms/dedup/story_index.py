"""The story index that keeps story_id stable across runs: OUTPUT/_state/stories/day=YYYY-MM-DD/.

One entry per syndication group's canonical row written: its cluster_id, the story_id it was given
and its story node (stories.story_candidate: what the clustering compares, packed), filed under the
row's partition day in append-only folders (transforms/state.py). Rows are never rewritten: a later
run reads the entries of the days within the story window of its own articles as nodes that rank
before anything new and carry their story_id, so a later article joins an earlier story's id and
the rows already written keep theirs. The index records the membership (cluster → story) that the
rows of later runs then carry.

Entries carry NODE_VERSION of stories.py; an entry of another version (the scoring changed what a
node holds) is skipped and counted (`stories.index_stale`) until `newsbeam state --rebuild`.
"""
from __future__ import annotations

import apache_beam as beam
import pyarrow as pa

from transforms import state
from transforms.dedup.index import day_name, days_around
from transforms.dedup.stories import EARLIER, NODE_VERSION, PACKED_NODE, story_candidate
from transforms.packed import pack, unpack
from transforms.runtime import counter
from transforms.write import DayRecorder

KEY = "article_id"
STORY_SCHEMA = pa.schema([
    ("article_id", pa.string()),
    ("cluster_id", pa.string()),
    ("story_id", pa.string()),
    ("node", pa.binary()),            # packed stories.story_candidate of the row
    ("version", pa.int32()),          # stories.NODE_VERSION when it was written
])


def story_entry(row: dict) -> dict | None:
    """The entry of a written row: canonical rows only (a copy's group has its canonical's entry)."""
    if row.get("is_duplicate"):
        return None
    node = row.get(PACKED_NODE) or pack(story_candidate(row))   # made by the stories stage, or here
    return {KEY: row[KEY], "cluster_id": row.get("cluster_id") or row[KEY], "story_id": row.get("story_id") or row[KEY],
            "node": node, "version": NODE_VERSION}


def read_story_day(story_dir: str, day: int) -> tuple[list[dict], int]:
    """(entries as (cluster_id, story_id, candidate), entries skipped as stale) of one day."""
    folder = state.day_folder(story_dir, day_name(day))
    rows, files = state.read_folder(folder, KEY)
    if len(files) > state.COMPACT_AT:
        state.compact(folder, files, rows, STORY_SCHEMA, KEY, keep=lambda rs: list({r[KEY]: r for r in rs}.values()))
    fresh = [r for r in {r[KEY]: r for r in rows}.values() if r["version"] == NODE_VERSION]
    return [(r["cluster_id"], r["story_id"], unpack(r["node"])) for r in fresh], len(rows) - len(fresh)


class EarlierStories(beam.PTransform):
    """The run's story candidates (cluster_id, candidate) → the entries of the index within
    `reach_days` (the dedup window, at least the story window) of the run's days, as candidates that
    rank first and carry their story_id (for ClusterStories(earlier=...)): a copy whose canonical
    was written up to the dedup window earlier finds its group's story; only entries within the story
    window can be one story with a new report (story_edges.edge_score). Each day is read once."""

    def __init__(self, story_dir: str, window_days: float, reach_days: float = 0):
        super().__init__()
        self.story_dir, self.window_days = story_dir, max(window_days, reach_days)

    def expand(self, candidates):
        story_dir, window = self.story_dir, self.window_days
        loaded, stale = counter("stories.index_read"), counter("stories.index_stale")

        def read(day):
            entries, skipped = read_story_day(story_dir, day)
            loaded.inc(len(entries))
            stale.inc(skipped)
            for cluster_id, story_id, candidate in entries:
                yield cluster_id, (f"{EARLIER}|{candidate[0]}", *candidate[1:], story_id)

        return (candidates
                | "RunDays" >> beam.Map(lambda kv: kv[1][2])
                | "DistinctDays" >> beam.Distinct()
                | "DaysAround" >> beam.FlatMap(lambda day: days_around([day], window))
                | "DistinctIndexDays" >> beam.Distinct()
                | "ReadDays" >> beam.FlatMap(read))


def story_recorder(story_dir: str) -> DayRecorder:
    """The write.Recorder of this index: the entries of the canonical rows, one file per article file."""
    return DayRecorder(story_dir, story_entry, STORY_SCHEMA, KEY)
