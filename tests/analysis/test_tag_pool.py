"""Tagging with a helper process (--tag_processes 2): the same rows as the worker alone."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from transforms.analysis.entities import DEFAULT_NER_MODELS
from transforms.analysis.tag import TagArticles, TagArticlesDoFn

MODELS = {"en": DEFAULT_NER_MODELS["en"]}
TEXTS = [
    "“The bridge will reopen in May,” the mayor of Leeds, Judith Blake, told the council on Monday.",
    "Shares in Lloyds rose in London after the bank said profits had doubled.",
    "Rain is expected across Wales and the south of England tomorrow, forecasters said.",
    "The Prime Minister met President Macron in Paris to discuss fishing rights.",
]


def articles():
    rows = [{"article_id": f"a{i}", "source": f"a{i}", "language": "en", "title": f"Story {i}", "text": text,
             "outlet": "example.com"} for i, text in enumerate(TEXTS)]
    rows.append({**rows[0], "article_id": "copy", "source": "copy"})          # an exact copy of a0
    rows.append({**rows[1], "article_id": "bad", "source": "bad", "text": 42})   # a text that is no text
    return rows


def articles_in(batches):
    """The same batches of fresh copies of the rows (tagging updates its articles in place)."""
    fresh = {row["article_id"]: row for row in articles()}
    return [[dict(fresh[row["article_id"]]) for row in batch] for batch in batches]


def element(batch):
    return WindowedValue(batch, 0, [GlobalWindow()])


def by_id(outputs):
    rows, dead = {}, []
    for out in outputs:
        if isinstance(out, beam.pvalue.TaggedOutput):
            dead.append(out.value.value if isinstance(out.value, WindowedValue) else out.value)
            continue
        row = out.value if isinstance(out, WindowedValue) else out
        rows[row["article_id"]] = {k: row[k] for k in ("entities", "quotes", "title_entities", "tone")}
    return rows, dead


def test_every_other_batch_goes_to_the_helper_and_comes_back_the_same():
    alone = TagArticlesDoFn(MODELS, [], batch_size=2)
    alone.setup()
    helped = TagArticlesDoFn(MODELS, [], batch_size=2, processes=2)
    helped.setup()
    try:
        rows = articles()
        batches = [rows[0:2], rows[2:4], [rows[5], rows[4]], [rows[1]]]
        expected = [out for batch in articles_in(batches) for out in alone.process(batch, element(batch))]
        outputs = list(helped.process(batches[0], element(batches[0])))
        assert len(outputs) == 2 and not helped._held          # the first full batch: here
        # ... and the helper started with it, loading that batch's models while the worker tagged it
        assert [future.result(timeout=120) for future in helped._warmed] == [["en"]]
        outputs += list(helped.process(batches[1], element(batches[1])))
        assert helped.pool._executor is not None and len(outputs) + 2 * len(helped._held) == 4  # at the helper
        for batch in batches[2:]:   # a bad text and a copy of a0 (which waits for a0's tags), a smaller batch
            outputs += list(helped.process(batch, element(batch)))
        outputs += list(helped.finish_bundle() or [])
        assert not helped._held and not helped._waiting and not helped._pending
    finally:
        helped.teardown()
    rows, dead = by_id(outputs)
    want_rows, want_dead = by_id(expected)
    assert rows == want_rows and set(rows) == {"a0", "a1", "a2", "a3", "copy"}
    assert rows["copy"] == rows["a0"] and rows["a0"]["quotes"]
    assert [d["input_ref"] for d in dead] == [d["input_ref"] for d in want_dead] == ["bad"]


def test_a_batch_smaller_than_full_starts_no_helper():
    """A run of a few articles (the seeds, a test) is over before a helper's models would load."""
    helped = TagArticlesDoFn(MODELS, [], batch_size=8, processes=2)
    helped.setup()
    try:
        rows = articles()[:3]
        outputs = list(helped.process(rows, element(rows))) + list(helped.finish_bundle() or [])
        assert len(outputs) == 3 and helped._warmed is None and helped.pool._executor is None
    finally:
        helped.teardown()


def project(row):
    return row["article_id"], repr({k: row[k] for k in ("entities", "quotes", "title_entities", "tone")})


def test_a_local_pipeline_with_a_helper_gives_the_same_rows():
    from apache_beam.testing.util import assert_that, equal_to
    alone = TagArticlesDoFn(MODELS, [], batch_size=2)
    alone.setup()
    rows, dead = by_id([out for out in alone.process(articles(), element(articles()))])
    expected = [project({"article_id": key, **value}) for key, value in rows.items()]
    with beam.Pipeline("FnApiRunner") as pipeline:
        tagged, dead_letters = (pipeline | beam.Create(articles())
                                | TagArticles(MODELS, [], batch_size=2, processes=2))
        assert_that(tagged | beam.Map(project), equal_to(expected))
        assert_that(dead_letters | beam.Map(lambda d: d["input_ref"]), equal_to(["bad"]), label="Dead")


def test_a_bounded_input_is_tagged_in_full_batches_from_the_first_article():
    """BatchElements alone starts at batches of one and grows them; a bounded run's batches are full
    from the start, so that its helper (which waits for a full batch) starts with the run."""
    from pipelines.summary import counters
    rows = [{**row, "article_id": f"{row['article_id']}-{n}", "source": f"{row['source']}-{n}",
             "text": f"{row['text']} {n}"} for n in range(2) for row in articles()[:4]]   # eight distinct articles
    pipeline = beam.Pipeline("FnApiRunner")
    tagged, _ = pipeline | beam.Create(rows, reshuffle=False) | TagArticles(MODELS, [], batch_size=4)
    run = pipeline.run()
    run.wait_until_finish()
    assert counters(run)["tag.batches"] == 2


def test_a_batch_no_helper_has_started_is_taken_back_and_the_next_goes_at_once():
    """One batch at a helper at a time; the one waiting behind it can be taken back (the worker tags
    it itself at the end of the input), the one at the helper cannot."""
    from transforms.analysis.tag import ChildTagger
    from transforms.analysis.tag_pool import TagPool
    pool = TagPool(1, ChildTagger, (MODELS, [], 2, "needed"))
    try:
        rows = articles()
        first, second = pool.submit(rows[0:2]), pool.submit(rows[2:4])
        assert pool.reclaim(second) and second.cancelled()
        assert not pool.reclaim(first)   # at the helper already
        assert [status for status, _ in first.result(timeout=120)] == ["ok", "ok"]
        third = pool.submit([rows[5], rows[3]])   # the helper is free: sent at once
        assert [status for status, _ in third.result(timeout=120)] == ["error", "ok"]
        assert not pool.reclaim(third)
    finally:
        pool.close()
