"""`newsbeam stream --duration N` twice in a row against a loopback news server; prints what it did.

    python bench/stream_loopback.py [--duration 30] [--rate 5]

Figures: requests, the smallest gap between two requests to the host (the per-host rate), requests to
robots-disallowed paths, rows written and distinct sources (exactly once), dead letters by reason,
wall and CPU time of each run. Nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import newsbeam, read_articles  # noqa: E402
from tests.loopback import FeedServer, growing_feed, running  # noqa: E402

BAD = ["/private/page.html", "/slow.html", "/error.html", "/loop-a", "/big.html"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--rate", type=float, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running(FeedServer()) as server:
        out = Path(tmp) / "out"
        good = [server.url(f"/articles/{i}.html") for i in range(7)]
        bad = [server.url(p) for p in BAD]
        live = [good[0], bad[0], good[1], bad[1], good[2], bad[2], good[3], bad[3], good[4], bad[4], good[5], good[6]]
        growing_feed(server, "/live.xml", live, start=3, every=3)
        growing_feed(server, "/honest.xml", [server.url(f"/articles/{i}.html") for i in range(20, 24)], start=2, every=4)
        growing_feed(server, "/lying.xml", [server.url(f"/articles/{i}.html") for i in range(30, 36)], start=2,
                     every=3, honest=False)
        feeds = Path(tmp) / "feeds.txt"
        feeds.write_text("\n".join(server.url(p) for p in ("/live.xml", "/honest.xml", "/lying.xml", "/broken.xml",
                                                           "/malformed.xml")) + "\n")
        common = ["--feeds", feeds, "--output", out, "--poll-interval", 3, "--allow-hosts", "127.0.0.1",
                  "--per-host-rate", args.rate, "--fetch-timeout", 1, "--fetch-retries", 1, "--max-document-mb", 1,
                  "--window-seconds", 10, "--verify-every", 3, "--duration", args.duration]
        for run in (1, 2):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            result = newsbeam("stream", *common)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            print(f"run {run}: wall {time.monotonic() - started:.1f} s, CPU {after.ru_utime - before.ru_utime:.1f} s user"
                  f" + {after.ru_stime - before.ru_stime:.1f} s sys")
            print("  " + result.stdout.strip().replace("\n", "\n  "))
        log = server.requests()
        served = set(server.served_links)
        rows = read_articles(out)
        dead = [json.loads(line) for f in sorted(out.glob("dead_letter/**/*.jsonl")) for line in f.read_text().splitlines()]
        summaries = [json.loads(p.read_text()) for p in sorted(out.glob("_runs/*.json"))]
    gaps = [b["at"] - a["at"] for a, b in zip(log, log[1:])]
    sources = [r["source"] for r in rows]
    closest = min(range(len(gaps)), key=gaps.__getitem__)
    print(f"closest pair: {log[closest]['path']} → {log[closest + 1]['path']}; gaps under 0.2 s: "
          f"{sorted(round(g, 3) for g in gaps if g < 1 / args.rate)}")
    expected = {link for link in served if "/articles/" in link}
    print(f"requests {len(log)} ({Counter(r['path'] for r in log)['/robots.txt']} robots.txt), "
          f"smallest gap {min(gaps):.3f} s (limit {1 / args.rate:.3f} s), "
          f"User-Agent newsbeam on all: {all(r['user_agent'].startswith('newsbeam/') for r in log)}")
    print(f"requests to robots-disallowed /private/: {sum(r['path'].startswith('/private/') for r in log)}")
    print(f"article rows {len(rows)}, distinct sources {len(set(sources))}, good links served {len(expected)}, "
          f"missing {len(expected - set(sources))}")
    fetch_dead = [d for d in dead if d["stage"] == "fetch"]
    print(f"bad links served {len([b for b in bad if b in served])}, fetch dead letters {len(fetch_dead)}: "
          f"{dict(Counter(d['reason'] for d in fetch_dead))}")
    print(f"poll dead letters: {dict(Counter((d['input_ref'].rsplit('/', 1)[1], d['reason']) for d in dead if d['stage'] == 'poll'))}")
    print(f"conditional GETs {sum(bool(r['if_none_match']) for r in log)}, "
          f"validators lied (caught) {sum(s['validators_lied'] for s in summaries)}, balanced {[s['balanced'] for s in summaries]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
