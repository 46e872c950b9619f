"""End to end: the real `newsbeam run` command on seeds and on small inputs written here, output
read back with DuckDB."""
import gzip
import json
import os

import duckdb
import pytest

from tests.conftest import SEEDS, newsbeam, read_articles

pytestmark = pytest.mark.slow

PARA = ("The central bank raised interest rates by a quarter point on Thursday, citing persistent "
        "inflation in services and a tight labour market. ")


def page(title, slug, body_sentences=3):
    return f"""<!doctype html><html><head><title>{title} - The Daily Planet</title>
    <meta property="og:site_name" content="The Daily Planet">
    <link rel="canonical" href="https://www.dailyplanet.co.uk/business/{slug}">
    <meta property="article:published_time" content="2024-05-02T09:30:00+01:00"></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
    <article><h1>{title}</h1><p>{PARA * body_sentences}</p><p>Markets had expected the move, analysts said.</p>
    </article><footer>Copyright The Daily Planet</footer></body></html>"""


FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Example Wire</title>
<item><title>Storm hits coast</title><link>https://wire.example.org/storm</link><guid>storm-1</guid>
<pubDate>Tue, 07 May 2024 08:00:00 GMT</pubDate><content:encoded><![CDATA[<p>A powerful storm hit the northern
coast overnight, cutting power to thousands of homes and closing several roads, officials said.</p>]]></content:encoded></item>
<item><title>Le gouvernement annonce un plan</title><link>https://wire.example.org/plan</link><guid>plan-2</guid>
<pubDate>Wed, 08 May 2024 10:00:00 +0200</pubDate><description>Le gouvernement a annoncé mercredi un nouveau plan
pour soutenir les agriculteurs touchés par la sécheresse, selon le ministre.</description></item>
</channel></rss>"""


@pytest.fixture
def mixed_inputs(tmp_path):
    root = tmp_path / "in"
    (root / "pages").mkdir(parents=True)
    (root / "pages" / "rates.html").write_text(page("Rates rise again", "rates"))
    (root / "pages" / "jobs.html.gz").write_bytes(gzip.compress(page("Jobs market cools", "jobs").encode()))
    (root / "wire.xml").write_text(FEED)
    records = [
        {"id": "ru-1", "url": "https://lenta.ru/news/2024/03/01/talks/", "title": "Переговоры продолжатся",
         "text": "Министр иностранных дел заявил в пятницу, что переговоры продолжатся на следующей неделе в Женеве.",
         "published": "2024-03-01T12:00:00+03:00"},
        {"id": "blog-1", "outlet": "My Blog/../../etc", "text": "A short post about gardening and the first "
         "tomatoes of the year, which came early after a warm spring.", "published": "2024-05-09"},
    ]
    (root / "records.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return root


def test_seeds_two_clean_english_articles(seeds_output):
    rows = read_articles(seeds_output)
    assert sorted(r["outlet"] for r in rows) == ["express.co.uk", "lenta.ru"]
    for row in rows:
        assert row["language"] == "en" and row["language_score"] > 0.9
        assert str(row["date"]) == "2024-03-01" and row["date_source"] == "published"
        for junk in ("Source link", "Photo:", "Ludovic Marin", "| World", "LandsbergisHead",
                     "France began to create an alliance of countries to send troops to Ukraine\n"):
            assert junk not in row["text"] and junk not in row["title"]
        assert row["removed"], "what cleaning removed is recorded"
    express = next(r for r in rows if r["outlet"] == "express.co.uk")
    assert express["title"] == "‘NATO still considering sending troops to Ukraine’ as Vladimir Putin given stark warning"
    assert express["source"] == "004_580c8be870bf90a2.txt"


def test_seed_run_summary_is_saved_and_balances(seeds_output):
    [summary_file] = (seeds_output / "_runs").iterdir()
    summary = json.loads(summary_file.read_text())
    assert summary["inputs"] == 2 and summary["articles_written"] == 2 and summary["balanced"]


def test_every_input_kind_partitions_and_columns(mixed_inputs, tmp_path):
    out = tmp_path / "out"
    result = newsbeam("run", "--input", mixed_inputs, "--output", out)
    assert "6 inputs from 4 files → 6 articles written, 0 dead letters" in result.stdout
    rows = {r["source"]: r for r in read_articles(out)}
    assert sorted(rows) == ["blog-1", "pages/jobs.html.gz", "pages/rates.html", "ru-1",
                            "wire.xml#plan-2", "wire.xml#storm-1"]
    assert rows["pages/rates.html"]["title"] == "Rates rise again"
    assert "Home" not in rows["pages/rates.html"]["text"] and "Copyright" not in rows["pages/rates.html"]["text"]
    assert rows["ru-1"]["language"] == "ru" and rows["wire.xml#plan-2"]["language"] == "fr"
    assert rows["ru-1"]["outlet"] == "lenta.ru" and rows["wire.xml#storm-1"]["outlet"] == "example.org"
    assert rows["blog-1"]["outlet"] == "my-blog-etc"
    assert str(rows["ru-1"]["date"]) == "2024-03-01"
    assert str(rows["wire.xml#plan-2"]["published_at"]).startswith("2024-05-08 08:00:00")
    # the layout on disk, and nothing escaped the output folder
    folders = sorted(os.path.relpath(p.parent, out) for p in out.rglob("*.parquet"))
    assert "articles/date=2024-05-09/outlet=my-blog-etc" in folders
    # Parquet lies only in article partitions and in the indexes kept between runs
    assert all(f.startswith(("articles/date=", "_state/")) for f in folders), folders
    assert not (tmp_path / "etc").exists()
    # nested columns as in the contract
    described = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{out}/articles/**/*.parquet', "
                           "hive_partitioning=true)").fetchall()
    types = {name: kind for name, kind, *_ in described}
    assert types["entities"].startswith("STRUCT(") and types["entities"].endswith("[]")
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE" and types["date"] == "DATE"


def test_rerun_leaves_the_same_rows(mixed_inputs, tmp_path):
    out = tmp_path / "out"
    newsbeam("run", "--input", mixed_inputs, "--output", out)
    first = read_articles(out)
    result = newsbeam("run", "--input", mixed_inputs, "--output", out)
    assert "0 articles written, 6 already present" in result.stdout
    second = read_articles(out)
    assert [r["article_id"] for r in first] == [r["article_id"] for r in second]
    assert len(second) == 6
    # a later run over an overlapping set does not duplicate what is already there
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.html").write_text(page("Pound slips", "pound"))
    result = newsbeam("run", "--input", mixed_inputs, extra, "--output", out)
    assert "1 articles written, 6 already present" in result.stdout
    assert len(read_articles(out)) == 7


def test_two_worker_processes_give_the_same_rows(mixed_inputs, tmp_path):
    """Two processes share one spill folder (each writes its own files, reads the other's)."""
    spill = tmp_path / "spill"
    spill.mkdir()
    newsbeam("run", "--input", mixed_inputs, "--output", tmp_path / "one")
    newsbeam("run", "--input", mixed_inputs, "--output", tmp_path / "two", "--spill_dir", spill,
             "--direct_num_workers=2", "--direct_running_mode=multi_processing")
    strip = lambda rows: [{k: v for k, v in r.items() if k != "fetched_at"} for r in rows]
    assert strip(read_articles(tmp_path / "one")) == strip(read_articles(tmp_path / "two"))
    assert list(spill.iterdir()) == []   # the run's spill subfolder went with the run


def test_rows_do_not_depend_on_where_the_shuffles_wait(mixed_inputs, tmp_path):
    """On disk (the default of a local run) or in memory (`--spill_dir none`, what remote runners do)."""
    newsbeam("run", "--input", mixed_inputs, SEEDS, "--output", tmp_path / "disk")
    newsbeam("run", "--input", mixed_inputs, SEEDS, "--output", tmp_path / "memory", "--spill_dir", "none")
    assert read_articles(tmp_path / "disk") == read_articles(tmp_path / "memory")


def test_bad_inputs_end_as_dead_letters_and_the_counts_add_up(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "garbage.html").write_bytes(os.urandom(4096))
    (bad / "empty.txt").write_text("")
    (bad / "truncated.xml").write_text("<rss><channel><item><title>cut")
    (bad / "no-article.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (bad / "undecodable.txt").write_bytes(bytes(range(128, 256)) * 20)
    (bad / "huge.html").write_bytes(b"<html><body>" + b"<p>word word word.</p>" * 1_500_000 + b"</body></html>")
    (bad / "lines.jsonl").write_text('{"id": "ok-1", "text": "' + "A sentence about news. " * 20 + '"}\n{not json\n')
    (bad / "good.txt").write_text("A title\n\nA body that is long enough to be an article, officials said.")
    out = tmp_path / "out"
    result = newsbeam("run", "--input", bad, "--output", out)
    assert "Traceback" not in result.stderr
    [summary_file] = (out / "_runs").iterdir()
    summary = json.loads(summary_file.read_text())
    assert summary["articles_written"] == 2 and summary["balanced"]
    assert summary["inputs"] == summary["articles_written"] + summary["dead_letters"] == 9
    dead = [json.loads(line) for f in (out / "dead_letter").rglob("*.jsonl") for line in f.read_text().splitlines()]
    by_ref = {d["input_ref"].rsplit("/", 1)[-1]: (d["stage"], d["reason"]) for d in dead}
    assert by_ref["garbage.html"] == ("read", "binary")
    assert by_ref["empty.txt"] == ("read", "empty")
    assert by_ref["huge.html"] == ("read", "too_large")
    assert by_ref["undecodable.txt"] == ("read", "undecodable")
    assert by_ref["lines.jsonl:2"] == ("read", "bad_json")
    assert by_ref["no-article.html"][0] == "extract"
    assert any(ref.startswith("truncated.xml") for ref in by_ref)
    assert all(d["message"] and d["at"] for d in dead)


@pytest.mark.parametrize("args,message", [
    (["--input", "/nonexistent/path", "--output", "OUT"], "input not found"),
    (["--input", str(SEEDS), "--output", "OUT", "--no-such-option"], "unknown option --no-such-option"),
    (["--input", str(SEEDS), "--output", "OUT", "--config", "/nonexistent.yaml"], "cannot read config"),
    (["--output", "OUT"], "--input is required"),
    (["--input", str(SEEDS), "--output", "OUT", "--spill_dir", "/nonexistent/spill"], "--spill_dir /nonexistent/spill"),
])
def test_a_run_that_cannot_start_exits_2_with_one_line(args, message, tmp_path):
    args = [str(tmp_path / "o") if a == "OUT" else a for a in args]
    result = newsbeam("run", *args, check=False)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr


def test_config_file_sets_defaults(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("max-document-mb: 0.001\n")  # 1 KiB: both seeds become too_large
    out = tmp_path / "out"
    result = newsbeam("run", "--input", SEEDS, "--output", out, "--config", config)
    assert "0 articles written, 2 dead letters" in result.stdout
