"""The one HTTP client against a real server on 127.0.0.1: robots, rate, address policy, limits."""
from __future__ import annotations

import time

import pytest

from tests.loopback import FeedServer, growing_feed, running
from transforms.ingest.http import HTML_TYPES, ROBOTS, FetchError, HttpClient, check_address, is_public_address


@pytest.fixture()
def server():
    ROBOTS.clear()
    with running(FeedServer()) as s:
        yield s


def client(**kw) -> HttpClient:
    settings = dict(allow_hosts=["127.0.0.1"], per_host_rate=20, timeout=1.0, retries=1, backoff=0.05,
                    contact_url="https://example.org/contact")
    settings.update(kw)
    return HttpClient(**settings)


def reason(call) -> str:
    with pytest.raises(FetchError) as info:
        call()
    return info.value.reason


def test_page_fetched_with_user_agent_on_every_request_robots_included(server):
    response = client().get(server.url("/articles/1.html"), accept_types=HTML_TYPES)
    assert response.status == 200 and "transport plan" in response.text()
    paths = [r["path"] for r in server.requests()]
    assert paths == ["/robots.txt", "/articles/1.html"]
    assert all(r["user_agent"] == "newsbeam/0.1 (+https://example.org/contact)" for r in server.requests())


def test_robots_disallow_is_obeyed_and_robots_fetched_once_per_host(server):
    c = client()
    assert reason(lambda: c.get(server.url("/private/secret.html"))) == "robots"
    c.get(server.url("/articles/2.html"))
    assert [r["path"] for r in server.requests()].count("/robots.txt") == 1
    assert not server.requests("/private/secret.html")


def test_private_addresses_refused_unless_allowed(server):
    assert reason(lambda: client(allow_hosts=[]).get(server.url("/articles/1.html"))) == "refused_host"
    assert not server.requests()  # refused before any byte is sent, robots.txt included
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0"):
        assert not is_public_address(address)
    assert is_public_address("93.184.216.34")
    assert reason(lambda: check_address("ftp://example.org/x")) == "bad_url"


def test_per_host_rate_limit_spaces_requests(server):
    c = client(per_host_rate=8)
    for n in range(5):
        c.get(server.url(f"/articles/{n}.html"))
    times = [r["at"] for r in server.requests()]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 6 and min(gaps) >= 1 / 8 - 0.02, gaps


def test_slow_endpoint_times_out_after_retries(server):
    server.slow_seconds = 2.0
    started = time.monotonic()
    assert reason(lambda: client(timeout=0.5, retries=1).get(server.url("/slow.html"))) == "timeout"
    assert len(server.requests("/slow.html")) == 2          # one retry
    assert time.monotonic() - started < 3


def test_server_errors_retried_then_dead(server):
    assert reason(lambda: client(retries=2).get(server.url("/error.html"))) == "http_500"
    assert len(server.requests("/error.html")) == 3
    assert reason(lambda: client().get(server.url("/missing.html"))) == "http_404"
    assert len(server.requests("/missing.html")) == 1        # a 404 is not retried


def test_redirect_loop_detected(server):
    assert reason(lambda: client().get(server.url("/loop-a"))) == "redirect_loop"
    assert len(server.requests("/loop-a")) == 1 and len(server.requests("/loop-b")) == 1


def test_oversized_page_refused(server):
    assert reason(lambda: client(max_bytes=1 << 20).get(server.url("/big.html"))) == "too_large"


def test_content_type_checked(server):
    assert reason(lambda: client().get(server.url("/image.png"), accept_types=HTML_TYPES)) == "content_type"


def test_gzip_decoded_and_size_counted_after_decoding(server):
    links = [server.url(f"/articles/{i}.html") for i in range(3)]
    growing_feed(server, "/feed.xml", links, start=3)
    response = client().get(server.url("/feed.xml"))
    assert response.headers.get("content-encoding") == "gzip" and response.body.startswith(b"<?xml")
    assert reason(lambda: client(max_bytes=200).get(server.url("/feed.xml"))) == "too_large"


def test_charset_from_header_and_meta(server):
    text = "Новости дня: городской совет обсудил новый план транспорта"
    server.routes["/cp1251.html"] = lambda h, n: h.send(
        200, f"<html><body><p>{text}</p></body></html>".encode("cp1251"), "text/html; charset=windows-1251")
    server.routes["/meta.html"] = lambda h, n: h.send(
        200, f"<html><head><meta charset='koi8-r'></head><body><p>{text}</p></body></html>".encode("koi8-r"),
        "text/html")
    assert text in client().get(server.url("/cp1251.html")).text()
    assert text in client().get(server.url("/meta.html")).text()


def test_conditional_get_returns_304(server):
    links = [server.url("/articles/1.html")]
    growing_feed(server, "/feed.xml", links, start=1)
    c = client()
    first = c.get(server.url("/feed.xml"))
    second = c.get(server.url("/feed.xml"), {"If-None-Match": first.headers["etag"]})
    assert first.status == 200 and second.status == 304


def test_retry_after_is_waited_for_and_holds_the_host(server):
    def busy(handler, n):   # 503 with Retry-After: 2 on the first request, then the page
        if n == 1:
            return handler.send(503, b"busy", "text/plain", {"Retry-After": "2"})
        return handler.send(200, b"<html><body><p>back</p></body></html>", "text/html")

    server.routes["/busy.html"] = busy
    response = client(retries=2, timeout=5).get(server.url("/busy.html"))
    first, second = server.requests("/busy.html")
    assert response.status == 200 and second["at"] - first["at"] >= 2.0


def test_a_long_retry_after_is_left_to_the_caller(server):
    server.routes["/later.html"] = lambda h, n: h.send(503, b"busy", "text/plain", {"Retry-After": "120"})
    with pytest.raises(FetchError) as info:
        client(retries=2, timeout=1).get(server.url("/later.html"))
    assert info.value.transient and info.value.retry_after == 120 and len(server.requests("/later.html")) == 1


def test_transient_and_permanent_failures():
    assert FetchError("http_503", status=503).transient and FetchError("timeout").transient
    assert FetchError("dns").transient and FetchError("http_429", status=429).transient
    for reason, status in (("http_404", 404), ("http_410", 410), ("robots", None), ("refused_host", None),
                           ("too_large", None)):
        assert not FetchError(reason, status=status).transient


def test_one_rate_per_host_across_processes(server, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT
    script = ("import sys; from transforms.ingest.http import HttpClient; "
              "c = HttpClient(allow_hosts=['127.0.0.1'], per_host_rate=5, rate_dir=sys.argv[2], obey_robots=False); "
              "[c.get(sys.argv[1] + f'/articles/{i}.html') for i in range(5)]")
    workers = [subprocess.Popen([sys.executable, "-c", script, server.base, str(tmp_path / "rate")], cwd=ROOT)
               for _ in range(2)]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    times = sorted(r["at"] for r in server.requests())
    gaps = [b - a for a, b in zip(times, times[1:])]
    # two processes, one rate of 5/s: ten requests span nine intervals of 0.2 s, and no two arrive
    # together (each process alone would interleave its five with the other's). Arrivals are stamped
    # where the server reads them, so a loaded machine may delay one request: hence the margins
    assert len(times) == 10 and times[-1] - times[0] >= 9 * 0.2 * 0.8 and min(gaps) >= 0.2 * 0.4, gaps
