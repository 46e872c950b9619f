"""bench/corpus.py: the benchmark corpus has distinct originals and the copies dedup must find."""
import gzip
import json

from bench.corpus import records, synthetic_pages, write_corpus


def test_copies_point_at_earlier_originals_under_other_urls():
    pages = synthetic_pages(10)
    rows = list(records(400, pages, seed=3))
    by_id = {r["id"]: r for r in rows}
    kinds = {r["kind"] for r in rows}
    assert kinds == {"original", "exact", "near", "truncated"}
    for row in rows:
        if row["kind"] == "original":
            continue
        original = by_id[row["copy_of"]]
        assert original["kind"] == "original" and original["id"] < row["id"]
        assert row["url"] != original["url"] and row["outlet"] != original["outlet"]
        assert (row["html"] == original["html"]) == (row["kind"] == "exact")
    originals = [r["html"] for r in rows if r["kind"] == "original"]
    assert len(set(originals)) == len(originals)  # reused pages are made distinct


def test_written_shards_hold_every_record_once(tmp_path):
    description = write_corpus(50, str(tmp_path / "c"), shards=3, data=str(tmp_path / "no-data"))
    assert description["source"].startswith("synthetic")
    ids = []
    for shard in sorted((tmp_path / "c").glob("part-*.jsonl.gz")):
        with gzip.open(shard, "rt", encoding="utf-8") as f:
            ids += [json.loads(line)["id"] for line in f]
    assert sorted(ids) == [f"bench-{n:07d}" for n in range(50)]
