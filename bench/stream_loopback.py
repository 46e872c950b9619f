"""`newsbeam stream` left running against a loopback newsroom that misbehaves; prints what was lost.

    python bench/stream_loopback.py [--duration 600] [--run-seconds 100] [--rate 5]

Like a cron job: consecutive runs of `--run-seconds` into one output for `--duration` seconds, one of
them killed with SIGKILL at a random moment. The server publishes a new item on one of three feeds
every few seconds (an honest feed, one whose ETag lies, one whose ETag and Last-Modified both lie),
edits some items after publication (same guid, new title), goes down entirely (503 to everything,
robots.txt included) for a tenth of the time, and answers pages with 503 bursts carrying
`Retry-After: 5`. Publishing stops one run before the end, so that the last run can drain.

Figures: entries published, written (a row), dead (a dead letter of an entry stage), lost (neither),
duplicate rows; polls per feed and the gaps between them against --poll-interval; requests during
the outage; each run's wall time. Nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import newsbeam, read_articles  # noqa: E402
from tests.loopback import ROBOTS, FeedServer, article_html, rss, running  # noqa: E402

FEEDS = ("honest", "etag-lies", "both-lie")


class Newsroom:
    """What the server publishes and when it misbehaves, by seconds since it opened."""

    def __init__(self, duration: float, publish_until: float, every: float, seed: int):
        self.t0 = time.monotonic()
        self.rng = random.Random(seed)
        self.every, self.publish_until = every, publish_until
        self.outage = (duration * 0.25, duration * 0.35)
        self.bursts = [(s, s + 8) for s in range(40, int(duration), 90)]
        self.items = {name: [] for name in FEEDS}   # (guid, title, link, published at)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def down(self) -> bool:
        return self.outage[0] <= self.now() < self.outage[1]

    def burst(self) -> bool:
        return any(a <= self.now() < b for a, b in self.bursts)

    def publish(self, server) -> None:
        due = int(min(self.now(), self.publish_until) // self.every)
        while sum(map(len, self.items.values())) < due:
            n = sum(map(len, self.items.values()))
            name = FEEDS[n % 3]
            self.items[name].append([f"{name}-{n}", f"Story {n} of {name}", server.url(f"/articles/{name}/{n}.html"),
                                     self.now()])
            if n % 7 == 3 and n > 3:      # an edit: an earlier item gets a new title, same guid
                self.items[name][-2][1] += " (updated)"


def handler(room: Newsroom, server: FeedServer):
    def handle(h, _n):
        path = h.path.split("?")[0]
        room.publish(server)
        if room.down():
            return h.send(503, b"down", "text/plain")
        if path == "/robots.txt":
            return h.send(200, ROBOTS, "text/plain")
        if path.startswith("/articles/"):
            if room.burst():
                return h.send(503, b"busy", "text/plain", {"Retry-After": "5"})
            return h.send(200, article_html(abs(hash(path)) % 1000, title=f"Story at {path}"), "text/html; charset=utf-8")
        name = path.strip("/").removesuffix(".xml")
        if name not in room.items:
            return h.send(404, b"no", "text/plain")
        items = [(g, t, link) for g, t, link, _ in room.items[name][-200:]]
        body = rss(items, title=f"Loopback {name}")
        etag = f'"{abs(hash(body)) % 10 ** 12}"' if name == "honest" else '"constant"'
        modified = "Sat, 21 Nov 2026 10:00:00 GMT" if name == "both-lie" else f"Sat, 21 Nov 2026 10:{len(items) % 60:02d}:00 GMT"
        if name == "both-lie" and (h.headers.get("If-None-Match") or h.headers.get("If-Modified-Since")):
            return h.not_modified(etag)
        if h.headers.get("If-None-Match") == etag or (not h.headers.get("If-None-Match")
                                                       and h.headers.get("If-Modified-Since") == modified):
            return h.not_modified(etag)
        return h.send(200, body, "application/rss+xml; charset=utf-8", {"ETag": etag, "Last-Modified": modified})
    return handle


class Server(FeedServer):
    def __init__(self, room):
        super().__init__()
        self.room = room
        route = handler(room, self)
        self.routes = RouteAll(route)


class RouteAll(dict):
    def __init__(self, route):
        super().__init__()
        self.route = route

    def get(self, _path, default=None):
        return self.route


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--run-seconds", type=float, default=100)
    parser.add_argument("--rate", type=float, default=5)
    parser.add_argument("--poll-interval", type=float, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    runs = max(2, int(args.duration // args.run_seconds))
    room = Newsroom(args.duration, publish_until=args.run_seconds * (runs - 1), every=2.0, seed=args.seed)
    killed_run = runs // 2
    with tempfile.TemporaryDirectory() as tmp, running(Server(room)) as server:
        out = Path(tmp) / "out"
        feeds = Path(tmp) / "feeds.txt"
        feeds.write_text("".join(server.url(f"/{name}.xml") + "\n" for name in FEEDS))
        common = ["stream", "--feeds", feeds, "--output", out, "--poll-interval", args.poll_interval,
                  "--allow-hosts", "127.0.0.1", "--per-host-rate", args.rate, "--fetch-timeout", 2,
                  "--window-seconds", 30, "--verify-every", 4, "--retry-backoff", 5, "--max-backoff", 30,
                  "--fetch-max-tries", 30, "--fetch-max-age", 3600, "--duration", args.run_seconds]
        walls = []
        for run in range(runs):
            started = time.monotonic()
            if run == killed_run:
                script = Path(sys.executable).with_name("newsbeam")
                child = subprocess.Popen([str(script), *map(str, common)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
                time.sleep(room.rng.uniform(10, args.run_seconds))
                child.send_signal(signal.SIGKILL)
                child.wait()
                print(f"run {run + 1}: killed with SIGKILL after {time.monotonic() - started:.0f} s")
            else:
                result = newsbeam(*common)
                print(f"run {run + 1}: " + result.stdout.strip().splitlines()[0])
            walls.append(time.monotonic() - started)
        log = server.requests()
        rows = read_articles(out)
        dead = [json.loads(line) for f in sorted(out.glob("dead_letter/**/*.jsonl")) for line in f.read_text().splitlines()]
    links = {link: f"{server.url('/' + name + '.xml')}#{guid}" for name in FEEDS for guid, _, link, _ in room.items[name]}
    published = set(links)
    sources = [r["source"] for r in rows]
    written = published & {s for s in sources} | {l for l, ref in links.items() if ref in sources}
    dead_refs = {d["input_ref"] for d in dead if d["stage"] != "poll"}
    dead_entries = {l for l, ref in links.items() if l in dead_refs or ref in dead_refs}
    lost = published - written - dead_entries
    print(f"\npublished {len(published)}, written {len(written)}, dead {len(dead_entries)}, lost {len(lost)}, "
          f"duplicate rows {len(sources) - len(set(sources))}; rows {len(rows)} "
          f"({sum(r['text_source'] == 'feed_summary' for r in rows)} from a summary)")
    in_outage = [r for r in log if room.outage[0] <= r["at"] - room.t0 < room.outage[1]]
    print(f"outage {room.outage[0]:.0f}-{room.outage[1]:.0f} s: {len(in_outage)} requests answered 503; "
          f"503 bursts with Retry-After: 5 at {[a for a, _ in room.bursts]} s; "
          f"poll dead letters {sum(d['stage'] == 'poll' for d in dead)}")
    for name in FEEDS:
        times = [r["at"] - room.t0 for r in log if r["path"] == f"/{name}.xml"]
        gaps = [b - a for a, b in zip(times, times[1:]) if b - a < args.run_seconds / 3
                and not room.outage[0] <= a < room.outage[1] + 30]
        if gaps:
            q = statistics.quantiles(gaps, n=20)
            print(f"polls of {name}: {len(times)}; gaps (outside run changes and the outage) min {min(gaps):.1f} s, "
                  f"median {statistics.median(gaps):.1f} s, 95th percentile {q[-1]:.1f} s (--poll-interval {args.poll_interval:g})")
    print(f"wall per run: {', '.join(f'{w:.0f} s' for w in walls)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
