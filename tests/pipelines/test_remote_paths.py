"""--input, --output, --manifest and --config on an object store, through Beam's FileSystems.

`memory://` (tests/object_store.py) behaves like GCS/S3: flat keys, no folders, objects visible when
closed, rename = copy + delete. It lives in this process, so `newsbeam run` runs in-process here
(`pipelines.cli.main`, which picks the in-process FnApiRunner when no --runner is given).
"""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import object_store
import pytest

from conftest import SEEDS, read_articles

pytestmark = pytest.mark.slow

HTML = """<!doctype html><html><head><title>Harbour reopens after storm | Coast News</title>
<meta property="og:url" content="https://www.coastnews.example.org/harbour-reopens">
<meta property="article:published_time" content="2024-03-02T08:30:00+01:00"></head>
<body><nav>Home | World | Sport</nav><article><h1>Harbour reopens after storm</h1>
<p>The harbour of the small coastal town reopened on Saturday morning after three days of closure,
the port authority said. Fishing boats returned to the water at dawn.</p>
<p>Engineers inspected the sea wall overnight and found only minor damage, according to the mayor,
who thanked the volunteers that filled sandbags through the night.</p></article></body></html>"""


@pytest.fixture()
def store():
    object_store.clear()
    yield object_store
    object_store.clear()


def upload_tree(local: Path, prefix: str) -> None:
    for path in sorted(local.rglob("*")):
        if path.is_file():
            object_store.put(f"{prefix}/{path.relative_to(local).as_posix()}", path.read_bytes())


def download_tree(prefix: str, local: Path) -> list[str]:
    names = []
    for key in object_store.keys(prefix + "/"):
        name = key[len(prefix) + 1:]
        target = local / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(object_store.get(key))
        names.append(name)
    return names


def test_run_reads_and_writes_object_store_paths(store, tmp_path, capsys, monkeypatch):
    from pipelines.cli import main

    monkeypatch.chdir(tmp_path)  # a local folder named after a URL would show up here
    upload_tree(SEEDS, "memory://bucket/in/seeds")   # with its manifest.jsonl: outlets and dates
    store.put("memory://bucket/in/pages/harbour.html", HTML.encode())
    store.put("memory://bucket/in/pages/meta.jsonl",
              json.dumps({"path": "harbour.html", "outlet": "coastnews.example.org"}).encode())
    records = [{"id": "wire-1", "url": "https://www.wirenews.co.uk/a/1", "published": "2024-03-03T12:00:00Z",
                "title": "Rail strike called off",
                "text": "Rail unions called off a national strike planned for Monday after talks with the "
                        "transport ministry ended with an agreement on wages late on Sunday evening."},
               {"id": "wire-2", "text": ""}]
    store.put("memory://bucket/in/wire/records.jsonl.gz",
              gzip.compress("\n".join(json.dumps(r) for r in records).encode()))
    store.put("memory://bucket/conf/newsbeam.yaml", b"files_per_partition: 1\nlanguage_prefix_chars: 1500\n")

    status = main(["run", "--input", "memory://bucket/in/seeds", "memory://bucket/in/pages/*.html",
                   "memory://bucket/in/wire/records.jsonl.gz",
                   "--manifest", "memory://bucket/in/pages/meta.jsonl",
                   "--config", "memory://bucket/conf/newsbeam.yaml",
                   "--output", "memory://bucket/out"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "4 articles written, 1 dead letters" in printed, printed
    assert "summary: memory://bucket/out/_runs/" in printed

    written = object_store.keys("memory://bucket/out/")
    assert not [k for k in written if ".inprogress" in k or "/." in k], written  # temporaries renamed away
    assert not any(Path(tmp_path).iterdir()), "something wrote a local file for a memory:// path"

    local = tmp_path / "copy"
    names = download_tree("memory://bucket/out", local)
    tops = sorted(n.split("/")[0] for n in names if not n.startswith("_state/"))
    assert tops == ["_runs", *["articles"] * 4, "dead_letter"], names
    assert any(n.startswith("_state/dedup/day=") for n in names), names  # the indexes went there too
    assert any(n.startswith("_state/ids/shard=") for n in names), names
    rows = {r["source"]: r for r in read_articles(local)}
    assert set(rows) == {"000_2d844df8e1464b56.txt", "004_580c8be870bf90a2.txt", "harbour.html", "wire-1"}
    # the folder manifest and the --manifest on the object store were applied (paths matched as URLs)
    assert rows["000_2d844df8e1464b56.txt"]["outlet"] == "lenta.ru"
    assert rows["004_580c8be870bf90a2.txt"]["outlet"] == "express.co.uk"
    assert str(rows["004_580c8be870bf90a2.txt"]["date"]) == "2024-03-01"
    assert rows["harbour.html"]["outlet"] == "coastnews.example.org"
    assert rows["wire-1"]["outlet"] == "wirenews.co.uk" and str(rows["wire-1"]["date"]) == "2024-03-03"
    assert all(r["language"] == "en" for r in rows.values())

    dead = [json.loads(line) for name in names if name.startswith("dead_letter/")
            for line in (local / name).read_text().splitlines()]
    assert [(d["input_ref"], d["reason"]) for d in dead] == [("wire-2", "no_content")]
    summary = json.loads(next((local / "_runs").iterdir()).read_text())
    assert summary["balanced"] and summary["inputs"] == 5 and summary["output"] == "memory://bucket/out"

    # a rerun into the same object-store output replaces, never duplicates
    before = [k for k in object_store.keys("memory://bucket/out/articles/")]
    assert main(["run", "--input", "memory://bucket/in/seeds", "--output", "memory://bucket/out"]) == 0
    assert "0 articles written, 2 already present" in capsys.readouterr().out  # a rerun adds no rows
    assert object_store.keys("memory://bucket/out/articles/") == before


def test_missing_object_store_input_is_a_usage_error(store, capsys):
    from pipelines.cli import main
    assert main(["run", "--input", "memory://bucket/nothing-here", "--output", "memory://bucket/out"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "newsbeam run: input not found: memory://bucket/nothing-here"
    assert object_store.keys() == []
    assert "memory:" not in os.listdir(".")
