"""FetchPages: a feed entry → the RawDocument extraction takes: the entry's own content when it holds
the article, else its linked page, fetched through the one HTTP client, with retries that outlive
polls and runs.

Keyed by feed, so that each feed's queue of pages to fetch lives in Beam state and, for the pages
waiting for a retry, in `OUTPUT/_state/retry/<feed key>.json`:
- a transient failure (DNS, connection, timeout, 429, 5xx, robots.txt unreachable) is tried again
  after `retry_backoff` seconds, doubling up to `max_backoff`, never sooner than the server's
  Retry-After; after `max_tries` tries, or `max_age` seconds after the first, it is final;
- a final failure (404, 410, robots disallow, refused host, too large, ...) is a dead letter of stage
  `fetch` with its reason and every try, and the entry's summary becomes the article
  (`text_source` `feed_summary`) when it has one;
- the step gets a tick for every feed as often as feeds may be polled, and fetches what is due while
  it has taken less than half of the time (FETCH_SHARE), so that fetching never holds polls back;
  on the last tick of a run with --duration it fetches everything still queued.
"""
from __future__ import annotations

import datetime as _dt
import time as _time
from dataclasses import dataclass

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from schemas.dead_letter import DEAD, dead_letter
from transforms.ingest.decode import digest
from transforms.ingest.http import HTML_TYPES, FetchError, Response, UsesHttpClient
from transforms.ingest.intake import entry_key, journal
from transforms.ingest.state import load_state, save_state
from transforms.runtime import counter
from transforms.text.extract import html_to_text

FETCH_SHARE = 0.5   # of the wall time, at most, spent fetching pages, so that polls keep their interval


@dataclass(frozen=True)
class RetryPolicy:
    backoff: float = 60.0        # seconds before the second try; doubles each time
    max_backoff: float = 21600.0
    max_tries: int = 8
    max_age: float = 172800.0    # seconds from the first try

    def next_try(self, tries: int, now: float, retry_after: float | None = None) -> float:
        return now + max(min(self.backoff * 2 ** (tries - 1), self.max_backoff), retry_after or 0.0)

    def exhausted(self, item: dict, now: float) -> bool:
        return len(item["tries"]) >= self.max_tries or now - item["first_try"] >= self.max_age


def needs_page(entry: dict) -> bool:
    """Fetch the linked page when the feed says so, or (auto) when the entry holds only a teaser."""
    mode = entry.get("fetch_pages", "auto")
    link = (entry.get("meta") or {}).get("url")
    if mode == "never" or not link:
        return False
    if mode == "always":
        return True
    return (entry.get("meta") or {}).get("text_source") != "feed_content"


def entry_document(entry: dict, fetched_at: _dt.datetime) -> dict:
    """A feed entry as the RawDocument extraction takes: its own content (or summary) is the text."""
    html = entry.get("html") or ""
    return {"source": entry["source"], "path": entry["feed_url"], "input_kind": "feed_entry", "html": html,
            "text": None, "meta": dict(entry.get("meta") or {}), "fetched_at": fetched_at,
            "digest": digest("feed_entry", html)}


def page_document(entry: dict, response: Response, fetched_at: _dt.datetime) -> dict:
    """A fetched article page as a RawDocument: `source` is the page's URL (the contract's rule). Its
    URL, outlet and site name come from the page, as in a batch run (the canonical URL, else the URL
    fetched); the feed's title and date stay, and an outlet set in the feeds file wins."""
    html = response.text()
    meta = {k: v for k, v in entry["meta"].items() if k not in ("url", "site_name")}
    meta.update(text_source="page", fallback={"url": response.url, "site_name": entry["meta"].get("site_name")})
    return {"source": entry["meta"]["url"], "path": entry["feed_url"], "input_kind": "fetched", "html": html,
            "text": None, "meta": meta, "fetched_at": fetched_at, "digest": digest("fetched", html)}


def tries_message(link: str, item: dict) -> str:
    """The whole history of a page given up: every try, its time and what went wrong."""
    tries = "; ".join(f"{t['at']} {t['reason']}" + (f" (Retry-After {t['retry_after']:g} s)" if t.get("retry_after") else "")
                      for t in item["tries"])
    return f"{link}: {item['tries'][-1]['message']} — {len(item['tries'])} tries: {tries}"


class FetchPagesDoFn(UsesHttpClient, beam.DoFn):
    """(feed key, {"entry": e} | {"tick": t}) → raw documents; dead letters of stage `fetch`."""

    QUEUE = ReadModifyWriteStateSpec("queue", PickleCoder())

    def __init__(self, output: str | None, client_settings: dict, policy: RetryPolicy = RetryPolicy(),
                 run_tag: str = "run", tick_interval: float = 60.0, stop_at: float | None = None,
                 clock=_time.time):
        super().__init__()
        self.output, self.client_settings, self.policy, self.run_tag = output, client_settings, policy, run_tag
        self.budget = tick_interval * FETCH_SHARE   # seconds of fetching banked at most
        self.last_tick_after = (stop_at - 1.5 * tick_interval) if stop_at else None
        self.clock = clock
        self._allowance, self._refilled = self.budget, None

    def process(self, keyed, state=beam.DoFn.StateParam(QUEUE)):
        key, message = keyed
        queue = state.read()
        if queue is None:
            queue = self.load(key)
        final = "tick" in message and self.last_tick_after is not None and message["tick"] >= self.last_tick_after
        if "entry" in message:
            entry = message["entry"]
            if not needs_page(entry):
                counter("fetch.entry_content").inc()
                yield entry_document(entry, _dt.datetime.now(_dt.timezone.utc))
                return
            queue[entry_key(entry)] = {"entry": entry, "tries": [], "first_try": None, "next_try": 0.0,
                                       "journaled": self.run_tag}
            counter("fetch.queued").inc()
        self.refill()
        attempted = False
        for item_key in sorted(queue, key=lambda k: queue[k]["next_try"]):
            started = self.clock()
            if queue[item_key]["next_try"] > started:
                continue
            if not final and self._allowance <= 0:
                break   # fetching has had its share of the time: the rest waits for a later tick
            attempted = True
            yield from self.attempt(key, queue, item_key)
            self._allowance -= self.clock() - started
        if attempted:
            self.save(key, queue)
        state.write(queue)

    def refill(self) -> None:
        """Fetching may take FETCH_SHARE of the time (the rest is for polls and the later stages),
        banked up to one tick's share: ticks that arrive late and together do not add up."""
        now = self.clock()
        if self._refilled is not None:
            self._allowance = min(self.budget, self._allowance + (now - self._refilled) * FETCH_SHARE)
        self._refilled = now

    def load(self, key: str) -> dict:
        """The feed's pages waiting for a retry, from an earlier run (they count as carried over)."""
        items = (load_state(self.output, "retry", key) or {}).get("items", {})
        counter("fetch.carried_over").inc(len(items))
        counter("fetch.waiting").inc(len(items))
        return dict(items)

    def save(self, key: str, queue: dict) -> None:
        """Only pages that have been tried are kept here; untried ones are in the run's intake journal."""
        save_state(self.output, "retry", key, {"items": {k: v for k, v in queue.items() if v["tries"]}})

    def attempt(self, key: str, queue: dict, item_key: str):
        item = queue[item_key]
        entry, now = item["entry"], self.clock()
        if item["journaled"] != self.run_tag:   # carried over: journaled here before it can leave the store
            journal(self.output, self.run_tag, f"{key}-retry", [entry])
            item["journaled"] = self.run_tag
        waiting = bool(item["tries"])
        if not waiting:
            counter("fetch.queued").dec()
        link = entry["meta"]["url"]
        item["first_try"] = item["first_try"] or now
        try:
            response = self.client.get(link, accept_types=HTML_TYPES)
        except FetchError as error:
            item["tries"].append({"at": _dt.datetime.fromtimestamp(now, _dt.timezone.utc).isoformat(timespec="seconds"),
                                  "reason": error.reason, "message": str(error)[:300], "retry_after": error.retry_after})
            if error.transient and not self.policy.exhausted(item, now):
                item["next_try"] = self.policy.next_try(len(item["tries"]), now, error.retry_after)
                counter("fetch.retries_scheduled").inc()
                if not waiting:
                    counter("fetch.waiting").inc()
                return
            yield from self.give_up(queue.pop(item_key), link, error.reason, waiting)
            return
        except Exception as error:  # noqa: BLE001 - one bad page must never stop the run
            item["tries"].append({"at": "", "reason": "error", "message": f"{type(error).__name__}: {error}"[:300]})
            yield from self.give_up(queue.pop(item_key), link, "error", waiting)
            return
        del queue[item_key]
        if waiting:
            counter("fetch.waiting").dec()
        counter("fetch.pages").inc()
        yield page_document(entry, response, _dt.datetime.now(_dt.timezone.utc))

    def give_up(self, item: dict, link: str, reason: str, waiting: bool):
        """A final failure: the dead letter with every try, and the entry's summary as the article."""
        if waiting:
            counter("fetch.waiting").dec()
        counter("dead.fetch").inc()
        counter(f"dead.fetch.{reason}").inc()
        entry = item["entry"]
        yield beam.pvalue.TaggedOutput(DEAD, dead_letter(entry["source"], "fetch", reason, tries_message(link, item),
                                                         excerpt=entry.get("html")))
        if html_to_text(entry.get("html") or ""):
            counter("fetch.summary_fallback").inc()
            yield entry_document(entry, _dt.datetime.now(_dt.timezone.utc))


class FetchPages(beam.PTransform):
    """(feed key, {"entry"} | {"tick"}) → (raw documents, dead letters)."""

    def __init__(self, output: str | None, client_settings: dict, policy: RetryPolicy = RetryPolicy(),
                 run_tag: str = "run", tick_interval: float = 60.0, stop_at: float | None = None):
        super().__init__()
        self.dofn = FetchPagesDoFn(output, client_settings, policy, run_tag, tick_interval, stop_at)

    def expand(self, messages):
        results = messages | "Fetch" >> beam.ParDo(self.dofn).with_outputs(DEAD, main="ok")
        return results.ok, results[DEAD]
