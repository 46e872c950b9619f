"""Polling one feed: conditional GETs, validator trust (honest and lying 304s), backoff, persistence.

PollFeedDoFn is driven directly against the loopback server, with its Beam state held in a plain
object (the runner's part); the whole stateful graph runs in test_stream.py."""
from __future__ import annotations

import time

import pytest

from schemas.dead_letter import DEAD
from tests.loopback import FeedServer, growing_feed, running
from transforms.ingest.feedlist import Feed
from transforms.ingest.http import ROBOTS
from transforms.ingest.poll import (RETRUST_AFTER, PollFeedDoFn, after_failure, conditional_headers, load_state,
                                   new_feed_state)


class MemoryState:
    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def write(self, value):
        self.value = value


@pytest.fixture()
def server():
    ROBOTS.clear()
    with running(FeedServer()) as s:
        yield s


def poller(output, verify_every=3):
    dofn = PollFeedDoFn(str(output), {"allow_hosts": ["127.0.0.1"], "per_host_rate": 50, "timeout": 1,
                                      "retries": 0}, default_interval=0.01, verify_every=verify_every,
                        max_backoff=60)
    dofn.setup()
    return dofn


def poll(dofn, feed, state):
    """One tick; returns (entry ids emitted, dead letters)."""
    ids, dead = [], []
    for out in dofn.process((feed.key, feed), state=state):
        if getattr(out, "tag", None) == DEAD:
            dead.append(out.value)
        else:
            ids.extend(e["entry_id"] for e in out[1]["entries"])
    time.sleep(0.02)  # past the feed's (tiny) interval
    return ids, dead


def links(server, n=8):
    return [server.url(f"/articles/{i}.html") for i in range(n)]


def test_honest_validators_stay_trusted(server, tmp_path):
    growing_feed(server, "/honest.xml", links(server), start=2, every=3)   # changes every 3rd request
    feed, state, dofn = Feed(server.url("/honest.xml")), MemoryState(), poller(tmp_path)
    results = [poll(dofn, feed, state)[0] for _ in range(7)]
    sent = [r["if_none_match"] for r in server.requests("/honest.xml")]
    assert sent[0] is None and all(sent[1:3])           # conditional once validators are known
    assert results[1] == [] and results[2] == []        # honest 304s: nothing new
    assert len(results[3]) == 3                         # the 4th answer has the 3rd item
    assert state.value["trusted"] and state.value["lies"] == 0


def test_lying_validators_caught_by_verification_and_distrusted(server, tmp_path):
    growing_feed(server, "/lying.xml", links(server), start=2, honest=False)  # new item every request
    feed, state, dofn = Feed(server.url("/lying.xml")), MemoryState(), poller(tmp_path, verify_every=3)
    results = [poll(dofn, feed, state)[0] for _ in range(6)]
    log = server.requests("/lying.xml")
    assert [bool(r["if_none_match"]) for r in log] == [False, True, True, False, False, False]
    assert results[1] == results[2] == []      # the lie: 304s while items were added
    assert len(results[3]) == 5                # the verification fetch (every 3rd poll) sees what they hid
    assert state.value["trusted"] is False and state.value["lies"] == 1
    assert len(results[4]) == 6 and len(results[5]) == 7   # no longer asked conditionally
    saved = load_state(str(tmp_path), "feeds", feed.key)
    assert saved["trusted"] is False and saved["etag"] == '"constant"'


def test_failing_feed_backs_off_exponentially_and_is_dead_lettered(server, tmp_path):
    # interval 5 s: the first failure waits twice that, so a loaded machine cannot reach the next poll
    feed, state, dofn = Feed(server.url("/broken.xml"), poll_interval=5), MemoryState(), poller(tmp_path)
    before = time.time()
    ids, dead = poll(dofn, feed, state)
    assert ids == [] and dead[0]["stage"] == "poll" and dead[0]["reason"] == "http_500"
    assert state.value["failures"] == 1 and state.value["next_poll_at"] >= before + 2 * 5 - 0.01
    ids, dead = poll(dofn, feed, state)           # too early: not asked again
    assert dead == [] and len(server.requests("/broken.xml")) == 1
    record = new_feed_state("x")
    waits = [after_failure(record, "http_500", 0.0, 60, 3600)["next_poll_at"] for _ in range(8)]
    assert waits[:3] == [120, 240, 480] and waits[-1] == 3600


def test_malformed_feed_is_a_dead_letter(server, tmp_path):
    feed, state, dofn = Feed(server.url("/malformed.xml")), MemoryState(), poller(tmp_path)
    ids, dead = poll(dofn, feed, state)
    assert ids == [] and dead[0]["reason"] == "not_a_feed"


def test_conditional_headers_rules():
    record = new_feed_state("x")
    assert conditional_headers(record, 5) == ({}, False)                # no validators yet
    record.update(etag='"a"', last_modified="Sat, 21 Nov 2026 10:00:00 GMT")
    headers, verifying = conditional_headers(record, 5)
    assert headers == {"If-None-Match": '"a"', "If-Modified-Since": "Sat, 21 Nov 2026 10:00:00 GMT"} and not verifying
    record["polls_since_verify"] = 4
    assert conditional_headers(record, 5) == ({}, True)
    record.update(polls_since_verify=0, trusted=False)
    assert conditional_headers(record, 5) == ({}, False)


def test_each_validator_is_judged_on_its_own_and_tried_again_later(server, tmp_path):
    growing_feed(server, "/etag-lies.xml", links(server), start=2, lying="etag")   # honest Last-Modified
    feed, state, dofn = Feed(server.url("/etag-lies.xml")), MemoryState(), poller(tmp_path, verify_every=3)
    results = [poll(dofn, feed, state)[0] for _ in range(6)]
    log = server.requests("/etag-lies.xml")
    assert [(bool(r["if_none_match"]), bool(r["if_modified_since"])) for r in log] == [
        (False, False), (True, True), (True, True), (False, False), (False, True), (False, True)]
    assert results[1] == results[2] == [] and len(results[3]) == 5   # the ETag's lie, caught by verification
    assert len(results[4]) == 6 and len(results[5]) == 7   # asked with Last-Modified alone, which tells the truth
    assert set(state.value["distrusted"]) == {"etag"} and state.value["lies"] == 1
    later = state.value["distrusted"]["etag"]["at"] + RETRUST_AFTER + 1
    assert "If-None-Match" in conditional_headers({**state.value, "polls_since_verify": 0}, 3, later)[0]


def test_retry_after_delays_the_next_poll():
    record = after_failure(new_feed_state("x"), "http_503", 0.0, 10, 3600, retry_after=900)
    assert record["next_poll_at"] == 900
    assert after_failure(new_feed_state("x"), "http_503", 0.0, 10, 3600)["next_poll_at"] == 20
