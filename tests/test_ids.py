"""The id index and the writer's one-row-per-id guarantee: claims, their partitions, repeats within a
run, a crash between claim and row, concurrent writers, merging of claim files, object stores."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from conftest import read_articles
from schemas.article import new_article
from transforms import ids, state
from transforms.write import WriteArticles, partition_dir, write_parquet

MTIME = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)


def article(n: int, fetched: dt.datetime = MTIME, **fields) -> dict:
    base = dict(article_id=f"{n:032x}", source=f"notes-{n}.txt", input_kind="text", outlet="unknown",
                title=f"Note {n}", text=f"Body of note {n}", fetched_at=fetched, date_source="fetched",
                language="en", language_score=0.9, content_hash=f"h{n}")
    return new_article(**{**base, **fields})


def request(n: int, date: str = "2026-12-01", outlet: str = "unknown"):
    return f"{n:032x}", date, outlet, (date, outlet, 0)


def verdicts(output, requests, run="run-a", now=None) -> dict:
    by_shard = {}
    for r in requests:
        by_shard.setdefault(ids.shard_of(r[0]), []).append(r)
    found = []
    for shard, rs in by_shard.items():
        found.extend(ids.resolve(str(output), shard, rs, run, now))
    return sorted((key, tuple(v)) for key, v in found)


def test_a_new_id_is_claimed_for_its_own_partition_and_keeps_it(tmp_path):
    first = verdicts(tmp_path, [request(1)])
    assert first == [(("2026-12-01", "unknown", 0), (f"{1:032x}", "2026-12-01", "unknown", True))]
    # the same file touched: another day computed, the claim's day kept (and the row is looked for there)
    again = verdicts(tmp_path, [request(1, "2026-11-20")], run="run-b")
    assert again == [(("2026-11-20", "unknown", 0), (f"{1:032x}", "2026-12-01", "unknown", True))]
    assert ids.written(str(tmp_path), [f"{1:032x}", f"{2:032x}"]) == {f"{1:032x}": ("2026-12-01", "unknown")}


def test_the_same_id_twice_in_one_run_is_written_once(tmp_path):
    found = verdicts(tmp_path, [request(1, "2026-12-02"), request(1, "2026-12-01"), request(1, "2026-12-01")])
    may = [v[3] for _, v in found]
    assert sorted(may) == [False, False, True]
    assert {v[1] for _, v in found} == {"2026-12-01"}          # the smallest partition is the one claimed


def test_a_rival_claim_written_meanwhile_wins_when_it_is_older(tmp_path, monkeypatch):
    """Two runs of one input at once: the run whose claims file came second defers to the first."""
    real_append = state.append

    def append_after_rival(folder, rows, schema, key, prefix="part"):
        if prefix.startswith("claims-run-b"):   # run-a claims the same id between run-b's read and write
            real_append(folder, [{**rows[0], "date": "2026-11-30", "run": "run-a"}], schema, key, "claims-run-a")
        return real_append(folder, rows, schema, key, prefix)

    monkeypatch.setattr(state, "append", append_after_rival)
    (found,) = verdicts(tmp_path, [request(1)], run="run-b", now=MTIME.timestamp())
    assert found[1][1:] == ("2026-11-30", "unknown", True)     # looked for (and written) where run-a claimed it


def test_many_claim_files_are_merged_by_the_reader(tmp_path):
    folder = ids.shard_dir(str(tmp_path), "00")
    for n in range(state.COMPACT_AT + 2):   # one file per run, as claims come
        state.append(folder, [{"article_id": f"{1000 + n:032x}", "date": "d", "outlet": "o", "run": f"run-{n}",
                               "claimed_at": float(n)}], ids.ID_SCHEMA, ids.KEY, f"claims-run-{n}")
    assert len(state.folder_files(folder)) == state.COMPACT_AT + 2
    claims, _ = ids.read_claims(str(tmp_path), "00", [f"{1000:032x}"])
    assert list(claims) == [f"{1000:032x}"]
    (merged,) = state.folder_files(folder)
    assert pq.read_table(merged[0]).num_rows == state.COMPACT_AT + 2
    assert ids.read_claims(str(tmp_path), "00")[0].keys() == {f"{1000 + n:032x}" for n in range(state.COMPACT_AT + 2)}


def test_a_lookup_reads_only_the_row_groups_that_can_hold_its_ids(tmp_path):
    rows = [{"article_id": f"{n:032x}", "date": "d", "outlet": "o", "run": "r", "claimed_at": 0.0}
            for n in range(3 * state.ROW_GROUP_ROWS)]
    path = state.append(str(tmp_path), rows, ids.ID_SCHEMA, ids.KEY)
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_row_groups == 3
    wanted = [f"{5:032x}", f"{2 * state.ROW_GROUP_ROWS + 1:032x}"]
    assert state._row_groups(parquet, ids.KEY, sorted(wanted)) == [0, 2]
    assert [r["article_id"] for r in state.read_file(path, ids.KEY, wanted=sorted(wanted))] == wanted


def run_writer(output, articles, run_tag=""):
    with beam.Pipeline(runner=FnApiRunner()) as p:
        _ = p | beam.Create(articles) | WriteArticles(str(output), run_tag=run_tag)


def test_a_touched_input_is_not_written_again_in_its_new_partition(tmp_path):
    run_writer(tmp_path, [article(1), article(2)])
    touched = MTIME - dt.timedelta(days=11)
    run_writer(tmp_path, [article(1, touched), article(2), article(3, touched)])
    rows = read_articles(tmp_path)
    assert [(r["article_id"][-1], str(r["date"])) for r in rows] == [
        ("1", "2026-12-01"), ("2", "2026-12-01"), ("3", "2026-11-20")]


def test_a_claim_whose_row_was_lost_is_written_into_the_claimed_partition(tmp_path):
    verdicts(tmp_path, [request(1)], run="crashed")   # claimed, then the run died before writing the row
    run_writer(tmp_path, [article(1, MTIME + dt.timedelta(days=3)), article(2)])
    rows = read_articles(tmp_path)
    assert [(r["article_id"][-1], str(r["date"])) for r in rows] == [("1", "2026-12-01"), ("2", "2026-12-01")]


def test_rows_of_an_output_older_than_the_index_are_found_in_their_partition(tmp_path):
    write_parquet(partition_dir(str(tmp_path), "2026-12-01", "unknown"), 0, [article(1)], lambda *_: None)
    run_writer(tmp_path, [article(1), article(2)])
    assert [r["article_id"][-1] for r in read_articles(tmp_path)] == ["1", "2"]
    assert ids.written(str(tmp_path), [f"{1:032x}"])            # claimed now, so a touch cannot move it
