"""Fetching feed entries' pages with retries that outlive polls and runs, against the loopback server.

FetchPagesDoFn is driven directly with its Beam state in a plain object and a simulated clock, so that
a five-minute outage takes seconds; the server's own answers are real HTTP."""
from __future__ import annotations

import pytest

from schemas.dead_letter import DEAD
from tests.loopback import FeedServer, article_html, running
from transforms.ingest.fetch import FetchPagesDoFn, RetryPolicy
from transforms.ingest.http import ROBOTS
from transforms.ingest.intake import entry_key
from transforms.ingest.rate import RATE_LIMITER
from transforms.ingest.state import load_state
from transforms.text.extract import build_article


class MemoryState:
    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def write(self, value):
        self.value = value


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture()
def server():
    ROBOTS.clear()
    RATE_LIMITER.clear()    # a Retry-After of one test must not hold 127.0.0.1 for the next
    with running(FeedServer()) as s:
        s.down = False
        yield s


def outage_route(server):
    def handle(handler, _n):
        if server.down:
            return handler.send(503, b"down for maintenance", "text/plain")
        return handler.send(200, article_html(7), "text/html; charset=utf-8")
    return handle


def fetcher(output, clock, **policy):
    dofn = FetchPagesDoFn(str(output), {"allow_hosts": ["127.0.0.1"], "per_host_rate": 100, "timeout": 2,
                                        "retries": 0},
                          RetryPolicy(**{"backoff": 30, "max_backoff": 120, "max_tries": 20, "max_age": 3600, **policy}),
                          run_tag="run1", tick_interval=30, clock=clock)
    dofn.setup()
    return dofn


def entry(server, n, path=None, html="<p>A short teaser of the story about the new tram line.</p>", text_source="feed_summary"):
    link = server.url(path or f"/down/{n}.html")
    return {"entry_id": f"e{n}", "feed_url": server.url("/feed.xml"), "feed_key": "feed", "html": html,
            "meta": {"url": link, "title": f"Story {n}", "text_source": text_source, "site_name": "Feed title"},
            "fetch_pages": "auto", "source": f"{server.url('/feed.xml')}#e{n}"}


def run(dofn, state, message):
    docs, dead = [], []
    for out in dofn.process(("feed", message), state=state):
        (dead.append(out.value) if getattr(out, "tag", None) == DEAD else docs.append(out))
    return docs, dead


def test_a_five_minute_outage_loses_nothing_and_survives_a_restart(server, tmp_path):
    for n in range(5):
        server.routes[f"/down/{n}.html"] = outage_route(server)
    clock, state = Clock(), MemoryState()
    dofn, docs = fetcher(tmp_path, clock), []
    server.down = True
    for n in range(5):                                   # one entry a minute, all during the outage
        run(dofn, state, {"tick": clock.now})
        docs += run(dofn, state, {"entry": entry(server, n)})[0]
        clock.now += 60
    assert docs == [] and len(load_state(str(tmp_path), "retry", "feed")["items"]) == 5
    dofn, state = fetcher(tmp_path, clock), MemoryState()  # a restart: the retries come from OUTPUT/_state/
    clock.now += 10
    server.down = False                                  # the outage ends after five minutes and ten seconds
    for _ in range(10):
        docs += run(dofn, state, {"tick": clock.now})[0]
        clock.now += 30
    assert sorted(d["source"] for d in docs) == [server.url(f"/down/{n}.html") for n in range(5)]
    assert load_state(str(tmp_path), "retry", "feed")["items"] == {}
    tries = [r for r in server.requests() if r["path"].startswith("/down/")]
    assert len(tries) <= 5 * 5, len(tries)               # backed off: not one try per tick


def test_a_long_retry_after_sets_the_next_try(server, tmp_path):
    server.routes["/busy.html"] = lambda h, n: h.send(503, b"busy", "text/plain", {"Retry-After": "600"})
    clock, state = Clock(), MemoryState()
    dofn = fetcher(tmp_path, clock)
    run(dofn, state, {"tick": clock.now})
    assert run(dofn, state, {"entry": entry(server, 1, "/busy.html")}) == ([], [])
    item = state.value[entry_key(entry(server, 1))]
    assert item["next_try"] == clock.now + 600 and item["tries"][0]["retry_after"] == 600


def test_a_full_content_entry_is_not_fetched(server, tmp_path):
    clock, state = Clock(), MemoryState()
    full = entry(server, 1, "/articles/1.html", html="<p>" + "word " * 300 + "</p>", text_source="feed_content")
    docs, dead = run(fetcher(tmp_path, clock), state, {"entry": full})
    assert [d["input_kind"] for d in docs] == ["feed_entry"] and dead == [] and server.requests() == []


def test_a_page_that_fails_for_good_gives_the_summary_marked_so(server, tmp_path):
    clock, state = Clock(), MemoryState()
    dofn = fetcher(tmp_path, clock, max_tries=3)
    run(dofn, state, {"tick": clock.now})
    docs, dead = run(dofn, state, {"entry": entry(server, 1, "/missing.html")})    # 404: final at once
    assert len(server.requests("/missing.html")) == 1 and dead[0]["reason"] == "http_404"
    assert docs[0]["source"] == entry(server, 1)["source"] and docs[0]["meta"]["text_source"] == "feed_summary"
    server.routes["/err.html"] = lambda h, n: h.send(500, b"oops", "text/plain")
    docs, dead = run(dofn, state, {"entry": entry(server, 2, "/err.html")})
    for _ in range(6):
        clock.now += 200
        more, more_dead = run(dofn, state, {"tick": clock.now})
        docs, dead = docs + more, dead + more_dead
    assert len(server.requests("/err.html")) == 3 and [d["reason"] for d in dead] == ["http_500"]
    assert dead[0]["message"].count("http_500") == 3            # the whole history: every try
    article = build_article(docs[0], lambda html, url: {})
    assert article["text_source"] == "feed_summary" and article["text"] == "A short teaser of the story about the new tram line."


def test_a_fetched_page_is_identified_as_in_batch(server, tmp_path):
    page = (b"<html><head><link rel='canonical' href='https://www.example-news.co.uk/world/story-1'>"
            b"<meta property='og:site_name' content='Example News'><title>Story</title></head><body><article>"
            + article_html(1).split(b"<article>")[1])
    server.routes["/p.html"] = lambda h, n: h.send(200, page, "text/html; charset=utf-8")
    clock, state = Clock(), MemoryState()
    dofn = fetcher(tmp_path, clock)
    run(dofn, state, {"tick": clock.now})
    docs, _ = run(dofn, state, {"entry": entry(server, 1, "/p.html")})
    from transforms.text.extractor import trafilatura_extract
    article = build_article(docs[0], trafilatura_extract)
    assert article["outlet"] == "example-news.co.uk" and article["site_name"] == "Example News"
    assert article["source"] == server.url("/p.html") and article["text_source"] == "page"
