"""deploy/warehouse: the DuckDB views and every sample DuckDB query run against real output, and the
Parquet carries what warehouses need (types, statistics, dictionaries, row groups).

Two outputs: a real `newsbeam run` over the seeds and a few inputs written here (whatever stages are
merged fill entities, stances and clusters), checked against the same figures computed in Python
from the rows; and rows with known entities, stances and copies written by the real writer
(transforms.write), checked against exact expected results.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SEEDS, newsbeam, read_articles

pytestmark = pytest.mark.slow

WAREHOUSE = ROOT / "deploy" / "warehouse"
TEXT = ("The city council approved a new cycling plan on Tuesday, adding forty kilometres of protected "
        "lanes over the next three years. The mayor said the plan would make streets safer for children.")


def load_queries() -> dict[str, str]:
    """`-- name: x` blocks of duckdb_queries.sql."""
    text = (WAREHOUSE / "duckdb_queries.sql").read_text()
    blocks = re.split(r"^-- name: (\w+)\s*$", text, flags=re.M)
    return {name: sql.strip().rstrip(";") for name, sql in zip(blocks[1::2], blocks[2::2])}


def connect(output: Path, target: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET VARIABLE newsbeam_output = ?", [str(output)])
    if target:
        con.execute("SET VARIABLE newsbeam_target = ?", [target])
    con.execute((WAREHOUSE / "duckdb.sql").read_text())
    return con


def query(con, name: str) -> list[dict]:
    rel = con.sql(load_queries()[name])
    return [dict(zip(rel.columns, row)) for row in rel.fetchall()]


@pytest.fixture(scope="module")
def run_output(tmp_path_factory) -> Path:
    inputs = tmp_path_factory.mktemp("warehouse_inputs")
    wire = [{"id": "wire-a", "url": "https://www.citypaper.co.uk/news/cycling", "published": "2024-03-04T09:00:00Z",
             "title": "Council approves cycling plan", "text": TEXT},
            {"id": "wire-b", "url": "https://www.eveningpost.co.uk/local/cycling-plan", "published": "2024-03-04T11:30:00Z",
             "title": "Council approves cycling plan", "text": TEXT},
            {"id": "wire-c", "url": "https://www.citypaper.co.uk/news/budget", "published": "2024-03-05T08:00:00+02:00",
             "title": "Budget vote delayed",
             "text": "The vote on next year's budget was delayed by a week after councillors asked for more "
                     "time to study the cost of the new tram line, the council's finance chief said."}]
    (inputs / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in wire) + "\n")
    out = tmp_path_factory.mktemp("warehouse") / "out"
    newsbeam("run", "--input", SEEDS, inputs, "--output", out)
    return out


def test_views_and_every_query_on_a_real_run(run_output):
    rows = read_articles(run_output)
    assert len(rows) == 5
    con = connect(run_output)
    assert set(load_queries()) == {"articles_per_outlet_per_day", "syndication_groups", "stance_per_outlet",
                                   "stance_per_holder", "top_entities_per_day"}
    results = {name: query(con, name) for name in load_queries()}  # every sample query runs

    per_day = collections.Counter((r["date"], r["outlet"]) for r in rows)
    assert [(r["date"], r["outlet"], r["articles"]) for r in results["articles_per_outlet_per_day"]] == \
        sorted((d, o, n) for (d, o), n in per_day.items())
    assert [(str(r["date"]), r["outlet"]) for r in results["articles_per_outlet_per_day"]] == [
        ("2024-03-01", "express.co.uk"), ("2024-03-01", "lenta.ru"),
        ("2024-03-04", "citypaper.co.uk"), ("2024-03-04", "eveningpost.co.uk"), ("2024-03-05", "citypaper.co.uk")]
    assert con.execute("SELECT typeof(date), typeof(outlet), typeof(published_at) FROM articles LIMIT 1").fetchone() == \
        ("DATE", "VARCHAR", "TIMESTAMP WITH TIME ZONE")

    groups = collections.defaultdict(set)
    for r in rows:
        groups[r["cluster_id"]].add(r["outlet"])
    sizes = collections.Counter(r["cluster_id"] for r in rows)
    assert {r["cluster_id"]: (r["copies"], r["outlets"]) for r in results["syndication_groups"]} == \
        {c: (n, sorted(groups[c])) for c, n in sizes.items() if n > 1}

    stances = [(r["outlet"], s) for r in rows for s in r["stances"] or []]
    assert sum(r["articles"] for r in results["stance_per_outlet"]) <= \
        len([1 for _, s in stances if s["holder_type"] == "article"])
    assert {(r["target_id"], r["holder"], r["label"]) for r in results["stance_per_holder"]} == \
        {(s["target_id"], s["holder"], s["label"]) for _, s in stances if s["holder_type"] != "article"}
    entities = {(r["date"], e["canonical"] or e["text"]) for r in rows for e in r["entities"] or []}
    assert {(r["date"], r["entity"]) for r in results["top_entities_per_day"]} <= entities


def known_rows() -> list[dict]:
    """Five article rows with known clusters, entities and stances."""
    from schemas.article import new_article
    day1 = dt.datetime(2024, 3, 1, 9, 0, 0, 123456, tzinfo=dt.timezone.utc)
    day2 = dt.datetime(2024, 3, 2, 23, 30, tzinfo=dt.timezone.utc)
    fetched = dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)

    def entity(text, label, canonical=None):
        return {"text": text, "label": label, "start": 0, "end": len(text), "canonical": canonical or text}

    def stance(holder, holder_type, label, score):
        return {"target_id": "nato-troops-ukraine", "holder": holder, "holder_type": holder_type, "label": label,
                "score": score, "evidence": "..."}

    macron, nato = entity("Macron", "PERSON", "Emmanuel Macron"), entity("NATO", "ORG")
    rows = [
        new_article(article_id="a" * 32, source="a.txt", outlet="lenta.ru", published_at=day1, fetched_at=fetched,
                    date_source="published", title="A", text="x", language="ru", cluster_id="c1",
                    entities=[macron, nato], stances=[stance("article", "article", "oppose", -0.6),
                                                      stance("Emmanuel Macron", "PERSON", "support", 0.7)]),
        new_article(article_id="b" * 32, source="b.txt", outlet="express.co.uk", published_at=day1, fetched_at=fetched,
                    date_source="published", title="A copy", text="x", language="en", cluster_id="c1",
                    is_duplicate=True, duplicate_of="a" * 32, entities=[macron, nato],
                    stances=[stance("article", "article", "oppose", -0.5),
                             stance("Emmanuel Macron", "PERSON", "support", 0.7)]),
        new_article(article_id="c" * 32, source="c.txt", outlet="express.co.uk", published_at=day1, fetched_at=fetched,
                    date_source="published", title="C", text="x", language="en", cluster_id="c3",
                    entities=[entity("Emmanuel Macron", "PERSON")],
                    stances=[stance("article", "article", "support", 0.4)]),
        new_article(article_id="d" * 32, source="d.txt", outlet="express.co.uk", published_at=day2, fetched_at=fetched,
                    date_source="published", title="D", text="x", language="en", cluster_id="c4",
                    entities=[nato], stances=[stance("Kaja Kallas", "PERSON", "support", 0.8)]),
        new_article(article_id="e" * 32, source="e.txt", outlet="123", published_at=None, fetched_at=fetched,
                    date_source="fetched", title="E", text="x", language="und", cluster_id="c5"),
    ]
    return rows


@pytest.fixture(scope="module")
def known_output(tmp_path_factory) -> Path:
    from transforms.write import partition_dir, partition_of, write_parquet
    out = tmp_path_factory.mktemp("known") / "out"
    by_partition = collections.defaultdict(list)
    for row in known_rows():
        by_partition[partition_of(row)].append(row)
    for (date, outlet), rows in by_partition.items():
        path, written, _ = write_parquet(partition_dir(str(out), date, outlet), 0, rows,
                                         lambda row, error: pytest.fail(f"{row['source']}: {error}"))
        assert written == len(rows)
    return out


def test_every_query_gives_the_expected_answer(known_output):
    con = connect(known_output)
    per_day = [(str(r["date"]), r["outlet"], r["articles"], r["originals"])
               for r in query(con, "articles_per_outlet_per_day")]
    assert per_day == [("2024-03-01", "express.co.uk", 2, 1), ("2024-03-01", "lenta.ru", 1, 1),
                       ("2024-03-02", "express.co.uk", 1, 1), ("2024-03-03", "123", 1, 1)]
    groups = query(con, "syndication_groups")
    assert [(g["cluster_id"], g["copies"], g["outlets"], g["canonical_title"]) for g in groups] == \
        [("c1", 2, ["express.co.uk", "lenta.ru"], "A")]
    by_outlet = [(r["outlet"], r["label"], r["articles"]) for r in query(con, "stance_per_outlet")]
    assert by_outlet == [("express.co.uk", "oppose", 1), ("express.co.uk", "support", 1), ("lenta.ru", "oppose", 1)]
    holders = [(r["holder"], r["label"], r["articles"], r["outlets"]) for r in query(con, "stance_per_holder")]
    assert holders == [("Emmanuel Macron", "support", 1, 2), ("Kaja Kallas", "support", 1, 1)]
    top = [(str(r["date"]), r["entity"], r["articles"], r["rank"]) for r in query(con, "top_entities_per_day")]
    assert top == [("2024-03-01", "Emmanuel Macron", 2, 1), ("2024-03-01", "NATO", 1, 2),
                   ("2024-03-02", "NATO", 1, 1)]
    # a target chosen with SET VARIABLE narrows the stance queries
    assert query(connect(known_output, target="some-other-target"), "stance_per_outlet") == []


def test_parquet_is_written_for_warehouses(run_output, known_output):
    from transforms.write import ROW_GROUP_ROWS
    files = sorted(run_output.glob("articles/**/*.parquet")) + sorted(known_output.glob("articles/**/*.parquet"))
    assert files
    for path in files:
        parquet = pq.ParquetFile(path)
        meta, schema = parquet.metadata, parquet.schema
        assert all(meta.row_group(i).num_rows <= ROW_GROUP_ROWS for i in range(meta.num_row_groups))
        for name in ("published_at", "fetched_at"):
            column = schema.column(schema.names.index(name))
            # BigQuery: TIMESTAMP; Athena/Trino: timestamp; INT96 is the legacy form nobody needs
            assert column.physical_type == "INT64" and column.converted_type == "TIMESTAMP_MICROS"
            logical = json.loads(column.logical_type.to_json())
            assert (logical["Type"], logical["isAdjustedToUTC"], logical["timeUnit"]) == \
                ("Timestamp", True, "microseconds"), logical
        assert "INT96" not in {schema.column(i).physical_type for i in range(len(schema))}
        chunks = {meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i)
                  for i in range(meta.num_columns)}
        for name in ("outlet", "language", "date_source", "schema_version"):
            assert "RLE_DICTIONARY" in chunks[name].encodings, (name, chunks[name].encodings)
        for name in ("article_id", "outlet", "language", "published_at", "fetched_at", "word_count"):
            stats = chunks[name].statistics
            assert chunks[name].is_stats_set and stats is not None, name
        assert chunks["fetched_at"].statistics.has_min_max and chunks["outlet"].statistics.has_min_max
        # codecs every warehouse reads: zstd on the text and the lists, snappy on the short scalars
        assert {c.compression for c in chunks.values()} == {"ZSTD", "SNAPPY"}
        assert chunks["text"].compression == "ZSTD" and not chunks["text"].is_stats_set
        assert parquet.schema_arrow.field("outlet").type == "string"


def _ddl_columns(sql: str, start: str, end: str) -> list[str]:
    body = sql.split(start, 1)[1].split(end, 1)[0]
    return [re.match(r'\s*[`"]?(\w+)', line).group(1) for line in body.splitlines()
            if re.match(r'\s*[`"]?\w+[`"]?\s+\w', line)]


def test_athena_and_trino_tables_have_every_column():
    from schemas.article import ARTICLE_SCHEMA
    columns = [name for name in ARTICLE_SCHEMA.names if name != "outlet"]
    athena = (WAREHOUSE / "athena.sql").read_text()
    assert _ddl_columns(athena, "newsbeam.articles (", "\n)\nPARTITIONED BY") == columns
    trino = (WAREHOUSE / "trino.sql").read_text()
    assert _ddl_columns(trino, "hive.newsbeam.articles (", "\n)\nWITH") == columns + ["date", "outlet"]


def test_row_groups_are_cut_at_row_group_rows(tmp_path, monkeypatch):
    """A partition larger than ROW_GROUP_ROWS is written as several row groups, each with statistics."""
    import transforms.write as write
    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 2)
    rows = [dict(r, outlet="express.co.uk", article_id=f"{i:032x}") for i, r in enumerate(known_rows()[:3] * 2)]
    path, written, _ = write.write_parquet(str(tmp_path / "p"), 0, rows, lambda row, error: pytest.fail(str(error)))
    meta = pq.ParquetFile(path).metadata
    assert written == 6 and [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 2, 2]
    ids = [meta.row_group(i).column(0).statistics for i in range(meta.num_row_groups)]
    assert [(s.min, s.max) for s in ids] == [(f"{0:032x}", f"{1:032x}"), (f"{2:032x}", f"{3:032x}"),
                                             (f"{4:032x}", f"{5:032x}")]


def test_readme_queries_work_as_written_on_a_clean_run(seeds_output):
    """Every ```sql block of the README, with `out` standing for a clean run's output folder."""
    blocks = re.findall(r"```sql\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    statements = [q.strip() for block in blocks for q in block.split(";") if q.strip()]
    assert len(statements) >= 2
    con = duckdb.connect()
    for statement in statements:
        rows = con.sql(statement.replace("'out/", f"'{seeds_output}/")).fetchall()
        assert rows or "dead_letter" in statement, statement   # a clean run has articles and no dead letters


def test_duckdb_queries_file_runs_on_its_own_in_the_duckdb_cli(seeds_output):
    """The file's own header says how to run it: one command, from the repository's folder."""
    import shutil
    import subprocess
    import sys
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent)) or shutil.which("duckdb")
    assert cli, "the DuckDB CLI (dev extra duckdb-cli) is not installed"
    result = subprocess.run([cli, "-c", f"SET VARIABLE newsbeam_output = '{seeds_output}'",
                             "-c", ".read deploy/warehouse/duckdb_queries.sql"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Error" not in result.stderr + result.stdout, result.stderr[-2000:]
    assert "Emmanuel Macron" in result.stdout
