"""Streams use the indexes batch runs use: a copy fetched by a stream is labelled against rows that a
batch run or an earlier stream wrote, and a stream's story_id means a story (loopback server)."""
from __future__ import annotations

import json
import random

import pytest

from tests.conftest import SEEDS, newsbeam, read_articles
from tests.loopback import FeedServer, growing_feed, running
from transforms.text.clean import split_title

EXPRESS_TITLE, EXPRESS = split_title((SEEDS / "004_580c8be870bf90a2.txt").read_text(encoding="utf-8"))
LENTA_TITLE, LENTA = split_title((SEEDS / "000_2d844df8e1464b56.txt").read_text(encoding="utf-8"))
WORDS = ("harbour ferry council budget timetable winter repairs pier engineers residents tickets route "
         "evening service vote delay funding island crossing passengers captain weather").split()


def html(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<article><h1>{title}</h1>{paragraphs}</article></body></html>").encode("utf-8")


def trimmed_copy(text: str) -> str:
    words = text.split()
    return "By Wire Staff\n" + " ".join(words[:int(len(words) * 0.7)])


def ferry_story() -> str:
    rng = random.Random(7)
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(4))


def serve(server, path: str, title: str, text: str):
    server.routes[path] = lambda handler, _n: handler.send(200, html(title, text), "text/html; charset=utf-8")
    return server.url(path)


def stream(out, feeds, seconds):
    return newsbeam("stream", "--feeds", feeds, "--output", out, "--poll-interval", 1, "--allow-hosts", "127.0.0.1",
                    "--per-host-rate", 20, "--window-seconds", 2, "--duration", seconds, "--ner-models", "en=none")


@pytest.mark.slow
def test_copies_across_batch_and_stream_runs_are_labelled(tmp_path):
    out = tmp_path / "out"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "express.txt").write_text(f"{EXPRESS_TITLE}\n\n{EXPRESS}\n", encoding="utf-8")
    (corpus / "manifest.jsonl").write_text(json.dumps(
        {"path": "express.txt", "outlet": "express.co.uk", "published": "2026-11-21T09:00:00Z"}) + "\n")
    newsbeam("run", "--input", corpus, "--output", out, "--ner-models", "en=none")

    with running(FeedServer()) as server:
        first = [serve(server, "/wire/express-copy.html", "NATO troops: Kallas", trimmed_copy(EXPRESS)),
                 serve(server, "/news/lenta.html", LENTA_TITLE, LENTA),
                 serve(server, "/news/ferry.html", "Ferry timetable cut for winter", ferry_story())]
        growing_feed(server, "/one.xml", first, start=3)
        feeds = tmp_path / "one.txt"
        feeds.write_text(server.url("/one.xml") + "\n")
        stream(out, feeds, 5)
        second = [serve(server, "/wire/ferry-copy.html", "Winter ferry timetable", trimmed_copy(ferry_story()))]
        growing_feed(server, "/two.xml", second, start=1)
        feeds.write_text(server.url("/two.xml") + "\n")
        stream(out, feeds, 5)

    rows = {r["source"].rsplit("/", 1)[-1]: r for r in read_articles(out)}
    assert set(rows) == {"express.txt", "express-copy.html", "lenta.html", "ferry.html", "ferry-copy.html"}, rows
    batch, ferry = rows["express.txt"]["article_id"], rows["ferry.html"]["article_id"]
    assert (rows["express-copy.html"]["duplicate_of"], rows["express-copy.html"]["cluster_id"]) == (batch, batch)
    assert (rows["ferry-copy.html"]["duplicate_of"], rows["ferry-copy.html"]["cluster_id"]) == (ferry, ferry)
    assert not rows["lenta.html"]["is_duplicate"] and not rows["ferry.html"]["is_duplicate"]
    # story_id means a story: the other report of the batch row's event joins its story, from the index
    story = rows["express.txt"]["story_id"]
    assert rows["lenta.html"]["story_id"] == story and rows["express-copy.html"]["story_id"] == story
    assert rows["ferry.html"]["story_id"] == ferry == rows["ferry-copy.html"]["story_id"] != story
