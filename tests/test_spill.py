"""Spill (blobs on local disk behind small handles) and Records (many small records in flat buffers):
what keeps the local runner's shuffles from holding the corpus."""
from __future__ import annotations

import multiprocessing
import os
import pickle
import random

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from transforms.packed import Records, distinct, groups, pack, unpack
from transforms.spill import HANDLE_BYTES, Spill, spill_folder


def test_handles_read_back_every_blob_in_any_order(tmp_path):
    spill = Spill(str(tmp_path))
    rng = random.Random(3)
    blobs = [rng.randbytes(rng.randint(0, 20_000)) for _ in range(300)]
    handles = [spill.put(b) for b in blobs]
    assert all(len(h) == HANDLE_BYTES for h in handles)
    order = list(range(len(blobs)))
    rng.shuffle(order)
    assert all(spill.get(handles[i]) == blobs[i] for i in order)
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) == sum(map(len, blobs))


def test_without_a_folder_the_handle_is_the_blob():
    spill = Spill(None)
    assert spill.put(b"abc") == b"abc" and spill.get(b"abc") == b"abc"
    article = {"article_id": "a", "text": "words " * 100}
    assert unpack(pack(article)) == article and len(pack(article)) < 200


def _put_in_child(spill, blobs, queue):
    queue.put([spill.put(b) for b in blobs])


def test_another_process_reads_what_one_wrote(tmp_path):
    """The stages of --direct_running_mode=multi_processing run in several processes: a handle made in
    one is read in another (the Spill travels pickled, as in a DoFn)."""
    spill = pickle.loads(pickle.dumps(Spill(str(tmp_path))))
    blobs = [os.urandom(1000 + i) for i in range(50)]
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_put_in_child, args=(spill, blobs, queue))
    child.start()
    handles = queue.get(timeout=60)
    child.join(timeout=60)
    mine = spill.put(b"parent's own")
    assert [spill.get(h) for h in handles] == blobs and spill.get(mine) == b"parent's own"
    assert len(list(tmp_path.iterdir())) == 2   # one file per writing process


def test_spill_folder_is_removed_however_the_block_ends(tmp_path):
    try:
        with spill_folder(str(tmp_path)) as folder:
            Spill(folder).put(b"x" * 100)
            raise RuntimeError("the run failed")
    except RuntimeError:
        pass
    assert not os.path.exists(folder) and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("chunked", [False, True])
def test_records_group_like_a_group_by_key_on_the_local_runner(tmp_path, chunked):
    """Inline, and with a spill and chunks so small that every shard's records are many chunks."""
    spill = Spill(str(tmp_path)) if chunked else Spill(None)
    rng = random.Random(5)
    records = [(rng.randrange(1 << 63) if i % 3 else rng.randrange(40), rng.randbytes(rng.randint(0, 30)))
               for i in range(3000)]
    shards = [(key % 7, (key, payload)) for key, payload in records]
    expected = {}
    for key, payload in records:
        expected.setdefault(key, []).append(payload)

    def as_groups(keyed):
        _, accumulator = keyed
        if chunked:
            assert len(accumulator[3]) >= 2 and len(pickle.dumps(accumulator)) < 2000
        return [(key, sorted(payloads)) for key, payloads in groups(accumulator, spill=spill)]

    with beam.Pipeline(runner=FnApiRunner()) as p:
        grouped = (p | beam.Create(shards) | beam.CombinePerKey(Records(spill, chunk_bytes=500)) | beam.FlatMap(as_groups))
        assert_that(grouped, equal_to([(k, sorted(v)) for k, v in expected.items()]))


def test_chunked_records_keep_each_keys_order_through_merges(tmp_path):
    """What a key's payloads are, and in what order, does not depend on where the chunks fell."""
    spill = Spill(str(tmp_path))
    rng = random.Random(9)
    records = [(rng.randrange(12), rng.randbytes(rng.randint(0, 40))) for _ in range(2000)]
    inline, chunked = Records(), Records(spill, chunk_bytes=300)
    parts = [records[i:i + 150] for i in range(0, len(records), 150)]
    accumulators = {}
    for combine in (inline, chunked):
        accs = []
        for part in parts:
            acc = combine.create_accumulator()
            for record in part:
                combine.add_input(acc, record)
            accs.append(pickle.loads(pickle.dumps(acc)))
        accumulators[combine] = combine.merge_accumulators([combine.merge_accumulators(accs[:4]), *accs[4:]])
    assert accumulators[chunked][3] and not accumulators[inline][3]
    assert list(groups(accumulators[chunked], spill=spill)) == list(groups(accumulators[inline]))
    assert list(groups(accumulators[inline], min_size=170)) == list(groups(accumulators[chunked], 170, spill))


def test_groups_in_key_order_and_min_size():
    combine = Records()
    acc = combine.create_accumulator()
    for record in [(5, b"a"), (1, b"b"), (5, b"c"), (2**63 - 1, b"d"), (1, b"")]:
        combine.add_input(acc, record)
    assert list(groups(acc)) == [(1, [b"b", b""]), (5, [b"a", b"c"]), (2**63 - 1, [b"d"])]
    assert list(groups(acc, min_size=2)) == [(1, [b"b", b""]), (5, [b"a", b"c"])]
    merged = combine.merge_accumulators([acc, pickle.loads(pickle.dumps(acc))])
    assert [len(p) for _, p in groups(merged)] == [4, 4, 2]


@pytest.mark.parametrize("chunked", [False, True])
def test_distinct_records_once_each_across_chunks(tmp_path, chunked):
    """Repeats of a record in any chunk come out once, in key order; a record differing only in
    its payload's last byte stays; payloads of another length are refused, not truncated."""
    spill = Spill(str(tmp_path)) if chunked else Spill(None)
    combine = Records(spill, chunk_bytes=200)
    rng = random.Random(3)
    unique = {(rng.randrange(50) if i % 2 else rng.randrange(1 << 63), rng.randbytes(8) + bytes([i % 2]))
              for i in range(400)}
    acc = combine.create_accumulator()
    for record in [r for r in unique for _ in range(rng.randint(1, 4))]:
        combine.add_input(acc, record)
    if chunked:
        assert len(acc[3]) >= 2
    out = list(distinct(acc, 9, spill))
    assert sorted(out) == sorted(unique) and [k for k, _ in out] == sorted(k for k, _ in out)
    combine.add_input(acc, (1, b"short"))
    with pytest.raises(ValueError):
        list(distinct(acc, 9, spill))
