"""Archives and backfills through the real `newsbeam run`: a folder of WARC files as Common Crawl News
gives them, ranges read by two workers, filters that refuse records before extraction, and a news
sitemap index served on 127.0.0.1."""
from __future__ import annotations

import json

import pytest

from tests.conftest import newsbeam, read_articles
from tests.ingest.warcs import news_archive, whole_gzip
from tests.loopback import FeedServer, running, serve_sitemaps

pytestmark = pytest.mark.slow


def summary_of(out) -> dict:
    [path] = (out / "_runs").iterdir()
    return json.loads(path.read_text())


def dead_letters(out) -> list[dict]:
    return [json.loads(line) for f in (out / "dead_letter").rglob("*.jsonl") for line in f.read_text().splitlines()]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """CC-NEWS-2024…: two WARC files, one gzipped per record, one gzipped whole and cut short."""
    folder = tmp_path_factory.mktemp("cc-news")
    first = news_archive(pages=6)
    (folder / "CC-NEWS-20240501.warc.gz").write_bytes(first.data())
    second = news_archive(gzip_records=False, pages=3)
    (folder / "CC-NEWS-20240502.warc.gz").write_bytes(whole_gzip(second)[:-30])
    return folder, dict(first.offsets), dict(second.offsets)


@pytest.fixture(scope="module")
def crawl_run(crawl, tmp_path_factory):
    folder = crawl[0]
    out = tmp_path_factory.mktemp("crawl") / "out"
    return out, newsbeam("run", "--input", folder, "--output", out, "--progress", "off")


def test_a_folder_of_warc_files_in_one_command(crawl, crawl_run):
    folder, offsets, cut_offsets = crawl
    out, result = crawl_run
    assert "10 inputs from 2 files → 9 articles written, 1 dead letters" in result.stdout, result.stdout
    assert "archive records that are no pages: http_404 2, metadata 1, not_html 2, request 9, revisit 2, warcinfo 2" \
        in result.stdout
    summary = summary_of(out)
    assert summary["balanced"] and summary["skipped_records"]["revisit"] == 2
    rows = {r["source"]: r for r in read_articles(out)}
    source = f"CC-NEWS-20240501.warc.gz@{offsets['page3']}"
    assert rows[source]["url"] == "https://news.example.org/story/3"
    assert rows[source]["input_kind"] == "warc" and rows[source]["outlet"] == "example.org"
    assert str(rows[source]["fetched_at"]).startswith("2024-05-04 10:00:00")
    assert str(rows[source]["date"]) == "2024-05-04" and rows[source]["date_source"] == "fetched"
    [dead] = dead_letters(out)
    assert (dead["input_ref"], dead["stage"], dead["reason"]) == (
        f"CC-NEWS-20240502.warc.gz@{cut_offsets['metadata']}", "read", "truncated")


def test_two_workers_on_ranges_give_the_same_rows_and_ids(crawl, crawl_run, tmp_path):
    folder = crawl[0]
    two = tmp_path / "two"
    newsbeam("run", "--input", folder, "--output", two, "--progress", "off", "--archive-split-mb", "0.004",
             "--direct_num_workers=2", "--direct_running_mode=multi_processing")
    strip = lambda rows: [{k: v for k, v in r.items() if k != "story_id"} for r in rows]
    assert strip(read_articles(crawl_run[0])) == strip(read_articles(two))
    assert summary_of(two)["files"] == 2
    again = newsbeam("run", "--input", folder, "--output", two, "--progress", "off")
    assert "0 articles written, 9 already present" in again.stdout  # sources and ids do not depend on ranges


def test_outlet_and_since_filters_refuse_records_that_are_never_extracted(crawl, tmp_path):
    folder, _, _ = crawl
    out = tmp_path / "out"
    result = newsbeam("run", "--input", folder, "--output", out, "--progress", "off",
                      "--outlets", "*.example.org", "--since", "2024-05-03", "--languages", "en")
    summary = summary_of(out)
    rows = read_articles(out)
    assert sorted(r["url"] for r in rows) == ["https://news.example.org/story/3", "https://news.example.org/story/5"]
    assert summary["filtered_by_reason"] == {"outlet": 5, "since": 2}
    assert summary["balanced"] and "7 filtered" in result.stdout
    counters = summary["counters"]
    # what extraction saw: the two kept pages and nothing else
    assert counters["extract.out"] + counters.get("dead.extract", 0) == 2


def test_a_sitemap_backfill_fetches_listed_pages_politely_since_a_date(tmp_path):
    out = tmp_path / "out"
    with running(FeedServer()) as server:
        urls = serve_sitemaps(server)
        result = newsbeam("run", "--sitemap", urls["/sitemap_index.xml"], "--output", out, "--progress", "off",
                          "--since", "2024-05-01", "--allow-hosts", "127.0.0.1", "--per-host-rate", "50")
        paths = [r["path"] for r in server.requests()]
    rows = {r["url"].rsplit("/", 2)[-2] + "/" + r["url"].rsplit("/", 1)[-1]: r for r in read_articles(out)}
    assert sorted(rows) == ["articles/fresh-1", "articles/fresh-2", "articles/fresh-3"]
    assert rows["articles/fresh-2"]["title"] == "Fresh two" and rows["articles/fresh-2"]["date_source"] == "published"
    assert str(rows["articles/fresh-2"]["published_at"]).startswith("2024-05-03 07:30:00")
    assert rows["articles/fresh-1"]["source"] == server.base + "/articles/fresh-1"
    summary = summary_of(out)
    assert summary["balanced"] and summary["filtered_by_reason"] == {"since": 1}
    assert [(d["stage"], d["reason"]) for d in dead_letters(out)] == [("fetch", "robots")]
    assert "/articles/old-1" not in paths and "/archive-2019.xml" not in paths and "/private/secret" not in paths
    assert "5 inputs from 0 files → 3 articles written, 1 filtered, 1 dead letters" in result.stdout


def test_run_needs_an_input_or_a_sitemap_and_valid_filters(tmp_path):
    result = newsbeam("run", "--output", tmp_path / "o", check=False)
    assert result.returncode == 2 and "--input is required (or --sitemap URL)" in result.stderr
    result = newsbeam("run", "--sitemap", "http://127.0.0.1:1/s.xml", "--output", tmp_path / "o",
                      "--since", "last tuesday", check=False)
    assert result.returncode == 2 and "not a date or time: 'last tuesday'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
