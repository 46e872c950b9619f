"""Parquet writing: schema, atomic deterministic files, no duplicate rows across runs, bad rows."""
import datetime as dt

import pyarrow.parquet as pq

from schemas.article import ARTICLE_SCHEMA, SCHEMA_VERSION, new_article
from transforms.write import partition_dir, partition_of, write_dead_letters, write_parquet

FETCHED = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)


def article(n, **fields):
    base = dict(article_id=f"{n:032x}", source=f"s{n}", input_kind="text", outlet="lenta.ru", title=f"T{n}",
                text=f"Body {n}", fetched_at=FETCHED, date_source="fetched", language="en", language_score=0.9,
                content_hash=f"h{n}")
    base.update(fields)
    return new_article(**base)


def files_in(directory):
    return sorted(p.name for p in directory.iterdir())


def test_file_has_the_schema_codecs_statistics_and_a_name_from_its_ids(tmp_path):
    directory = tmp_path / "articles" / "date=2024-06-01" / "outlet=lenta.ru"
    path, written, skipped = write_parquet(str(directory), 0, [article(1), article(2)], lambda *_: None)
    assert (written, skipped) == (2, 0)
    parquet = pq.ParquetFile(path)
    assert parquet.schema_arrow == ARTICLE_SCHEMA
    group = parquet.metadata.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    # zstd where values are long or lists, snappy on the short scalars; min/max only where a query filters
    assert columns["text"].compression == "ZSTD" and columns["entities.list.element.text"].compression == "ZSTD"
    assert columns["article_id"].compression == "SNAPPY" and columns["published_at"].compression == "SNAPPY"
    assert columns["article_id"].statistics.min == f"{1:032x}" and columns["text"].statistics is None
    assert pq.read_table(path).column("schema_version").to_pylist() == [SCHEMA_VERSION] * 2
    assert files_in(directory) == [path.rsplit("/", 1)[1]]  # no temporary file left behind


def test_rows_already_in_the_partition_are_not_written_twice(tmp_path):
    directory = tmp_path / "p"
    first, _, _ = write_parquet(str(directory), 0, [article(1), article(2)], lambda *_: None)
    assert write_parquet(str(directory), 0, [article(2), article(1)], lambda *_: None) == (None, 0, 2)
    assert files_in(directory) == [first.rsplit("/", 1)[1]]
    # an overlapping later batch adds only what is new, and the earlier file stays as it was
    path, written, skipped = write_parquet(str(directory), 0, [article(2), article(3)], lambda *_: None)
    assert (written, skipped) == (1, 1) and len(files_in(directory)) == 2
    ids = sorted(i for f in directory.iterdir() for i in pq.read_table(f).column("article_id").to_pylist())
    assert ids == [f"{n:032x}" for n in (1, 2, 3)]


def test_a_row_arrow_refuses_goes_to_on_bad_row_and_the_rest_is_written(tmp_path):
    bad = []
    rows = [article(1), article(2, word_count="many"), article(3)]
    path, written, _ = write_parquet(str(tmp_path / "p"), 0, rows, lambda row, error: bad.append(row["source"]))
    assert written == 2 and bad == ["s2"]


def test_partition_of_uses_published_day_in_utc_and_safe_outlet():
    published = dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert partition_of(article(1, published_at=published, outlet="../x")) == ("2024-03-02", "x")
    assert partition_dir("gs://bucket/out", "2024-03-02", "x") == "gs://bucket/out/articles/date=2024-03-02/outlet=x"


def test_dead_letters_file_is_rerun_safe(tmp_path):
    records = [{"input_ref": "a", "stage": "read", "reason": "empty", "at": FETCHED},
               {"input_ref": "b", "stage": "read", "reason": "binary", "at": FETCHED}]
    first = write_dead_letters(str(tmp_path), "read", records)
    second = write_dead_letters(str(tmp_path), "read", list(reversed(records)))
    assert first == second
    assert len(open(first).read().splitlines()) == 2
