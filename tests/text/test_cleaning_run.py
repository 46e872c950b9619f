"""The whole command: corpus evidence across an outlet's text copies beside a page, and --clean none."""
import json

import pytest

from tests.conftest import newsbeam, read_articles

pytestmark = pytest.mark.slow

FOOTER = "Get the Courier app for breaking news on your phone"
PAGE = """<html><head><title>Bridge reopens after repairs | Courier</title>
<meta property="og:site_name" content="Courier"><link rel="canonical" href="https://www.courier.co.uk/bridge">
</head><body><article><h1>Bridge reopens after repairs</h1><p>The old bridge reopened on Friday after two years
of repairs that cost the council far more than planned, engineers said at the ceremony.</p></article></body></html>"""


@pytest.fixture
def outlet_copies(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    stories = ["The council agreed its budget on Monday after a long debate, officials said.",
               "Volunteers cleared the river of rubbish on Sunday, and the mayor thanked them.",
               "The new library opens in May, two years late, the architects confirmed."]
    manifest = []
    for i, story in enumerate(stories):
        body = [story, "Bridge reopens after repairs", "What comes next for the town", FOOTER]
        (folder / f"{i}.txt").write_text(f"Story {i} of the week in the town | Courier\n\n" + "\n\n".join(body))
        manifest.append({"path": f"{i}.txt", "outlet": "courier.co.uk"})
    (folder / "bridge.html").write_text(PAGE)
    (folder / "manifest.jsonl").write_text("\n".join(json.dumps(m) for m in manifest) + "\n")
    return folder


def test_corpus_evidence_through_the_command_and_clean_none(outlet_copies, tmp_path):
    newsbeam("run", "--input", outlet_copies, "--output", tmp_path / "corpus",
             "--ner_models", "en=none,fr=none,ru=none")
    rows = {r["source"]: r for r in read_articles(tmp_path / "corpus")}
    copy = rows["0.txt"]
    assert FOOTER not in copy["text"] and "Bridge reopens after repairs" not in copy["text"]
    assert "What comes next for the town" not in copy["text"]      # a heading, but repeated in 3 articles
    evidence = {r["kind"]: r["evidence"] for r in copy["removed"]}
    assert evidence["related"] == f"title of article {rows['bridge.html']['article_id']}"
    assert evidence["repeated"] == "repeated in 3 articles of courier.co.uk"
    assert copy["word_count"] == 13 and copy["title"] == "Story 0 of the week in the town"

    newsbeam("run", "--input", outlet_copies, "--output", tmp_path / "none", "--clean", "none",
             "--ner_models", "en=none,fr=none,ru=none")
    untouched = {r["source"]: r for r in read_articles(tmp_path / "none")}
    assert all(not r["removed"] for r in untouched.values())
    assert FOOTER in untouched["0.txt"]["text"]
    assert untouched["0.txt"]["title"] == "Story 0 of the week in the town | Courier"
