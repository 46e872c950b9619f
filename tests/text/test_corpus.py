"""Corpus evidence: repeated lines, links to other titles and repeated title tails, as a real Beam
combine on the FnApiRunner, and the guards that keep reporting."""
import os
import pickle
import tempfile

import apache_beam as beam

from transforms.text.corpus import (PENDING, CorpusEvidence, EvidenceFn, apply_line_evidence,
                                    apply_title_evidence)
from transforms.text.identity import content_hash

FOOTER = "Get the Daily Courier app for breaking news alerts on your phone"


def article(i, body, outlet="courier.example", title=None, kind="text"):
    body = "\n\n".join(body)
    return {"article_id": f"a{i}", "outlet": outlet, "title": title or f"Story number {i} about the council budget",
            "text": body, "content_hash": content_hash(body), "removed": [], "word_count": 0,
            "input_kind": kind, **({PENDING: True} if kind == "text" else {})}


def story(i):
    return [f"The council met on day {i} and agreed a budget of {i} million, officials said.",
            f"Residents had asked for {i} new parks, and the mayor promised to look again at the plan."]


def _save(item, path):
    with open(path, "ab") as f:
        pickle.dump(item, f)


def evidence_of(articles):
    """The evidence the combine finds on the in-process runner, read back from a file."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "evidence.pickle")
        with beam.Pipeline("FnApiRunner") as pipeline:
            _ = pipeline | beam.Create(articles) | CorpusEvidence() | beam.Map(_save, path)
        found = []
        with open(path, "rb") as f:
            while True:
                try:
                    found.append(pickle.load(f))
                except EOFError:
                    return dict(found)


def test_a_line_repeated_across_an_outlet_is_removed_with_its_evidence():
    corpus = [article(i, story(i) + [FOOTER]) for i in range(4)]
    evidence = evidence_of(corpus)
    cleaned = apply_line_evidence(corpus[0], evidence)
    assert FOOTER not in cleaned["text"] and cleaned["text"].startswith("The council met on day 0")
    assert cleaned["removed"] == [{"kind": "repeated", "text": FOOTER,
                                   "evidence": "repeated in 4 articles of courier.example"}]
    assert cleaned["content_hash"] == content_hash(cleaned["text"]) and cleaned["word_count"] == 32
    assert PENDING not in cleaned


def test_two_articles_or_another_outlet_are_not_evidence():
    corpus = [article(i, story(i) + [FOOTER]) for i in range(2)]
    corpus += [article(9, story(9) + [FOOTER], outlet="other.example")]
    evidence = evidence_of(corpus)
    assert all(FOOTER in apply_line_evidence(a, evidence)["text"] for a in corpus)


def test_exact_copies_count_once():
    corpus = [article(i, story(1) + [FOOTER]) for i in range(3)] + [article(7, story(7) + [FOOTER])]
    evidence = evidence_of(corpus)
    assert FOOTER in apply_line_evidence(corpus[3], evidence)["text"]   # two different texts only


def test_a_line_equal_to_another_articles_title_is_a_related_link():
    linked = article(5, story(5), title="Mayor promises new parks after residents protest")
    corpus = [linked, article(1, [story(1)[0], "Mayor promises new parks after residents protest", story(1)[1]])]
    evidence = evidence_of(corpus)
    cleaned = apply_line_evidence(corpus[1], evidence)
    assert cleaned["removed"] == [{"kind": "related", "text": "Mayor promises new parks after residents protest",
                                   "evidence": "title of article a5"}]
    assert apply_line_evidence(linked, evidence)["text"] == linked["text"]   # its own title is no link


def test_repeated_reporting_is_kept():
    """Long repeated paragraphs (an update reusing background), and an article that would lose most
    of its words (a copy of a sibling), keep everything; so do headings, lists and tables that are
    not repeated."""
    background = ("The budget, the largest in the council's history, was first proposed in March after a "
                  "long consultation with residents, businesses and the unions that represent the "
                  "council's staff, who had warned of cuts to libraries, swimming pools and the buses "
                  "that serve the outlying villages.")
    corpus = [article(i, story(i) + [background]) for i in range(4)]
    short = [article(10 + i, ["Council budget approved", f"Vote {i}: 30 for, 12 against", FOOTER]) for i in range(3)]
    evidence = evidence_of(corpus + short)
    assert apply_line_evidence(corpus[0], evidence)["text"] == corpus[0]["text"]
    for copy in short:   # the repeated heading and footer are most of it: a copy, kept whole
        assert apply_line_evidence(copy, evidence)["text"] == copy["text"]


def test_lone_outlet_gets_the_lone_rule_and_pages_give_titles_only():
    furniture = [{"kind": "caption", "text": "Mayor Jane Doe Photo: John Smith / Reuters", "evidence": "rule"}]
    headline = "Residents of the northern districts demand a vote on the new parks"
    lone = {**article(1, [story(1)[0], headline, story(1)[1]], outlet="lone.example"), "removed": furniture}
    page = article(2, story(2), kind="html", title="Council budget approved after a long night of talks")
    evidence = evidence_of([lone, page])
    cleaned = apply_line_evidence(lone, evidence)
    assert headline not in cleaned["text"]
    assert cleaned["removed"][-1]["kind"] == "related" and "lone page copy (caption found)" in cleaned["removed"][-1]["evidence"]


def test_a_tail_repeated_across_titles_is_a_suffix():
    titles = ["Council approves the budget – Courier Live", "Parks plan delayed again – Courier Live",
              "Mayor faces a vote of confidence – Courier Live", "Russia-Ukraine war – live updates"]
    corpus = [article(i, story(i), title=t) for i, t in enumerate(titles)]
    evidence = evidence_of(corpus)
    cleaned = apply_title_evidence(corpus[1], evidence)
    assert cleaned["title"] == "Parks plan delayed again"
    assert cleaned["removed"][0] == {"kind": "title_suffix", "text": " – Courier Live",
                                     "evidence": "repeated in 3 titles of courier.example"}
    assert apply_title_evidence(corpus[3], evidence)["title"] == titles[3]


def test_the_combine_keeps_only_compact_values():
    fn = EvidenceFn()
    accumulators = []
    for part in range(3):
        acc = fn.create_accumulator()
        for doc in range(part * 50, part * 50 + 50):
            acc = fn.add_input(acc, (doc, None))
        acc = fn.add_input(acc, (None, f"id{part}"))
        accumulators.append(acc)
    merged = fn.merge_accumulators(accumulators)
    assert len(merged[1]) == 64 and merged[2] == ("id0", "id1")
    assert fn.extract_output(merged) == (150, ("id0", "id1"))     # past CAP: articles are counted
    small = fn.add_input(fn.add_input(fn.create_accumulator(), (7, None)), (7, None))
    assert fn.extract_output(small) == (1, ())                    # below it: distinct texts
