"""Readers of the evaluation data in ../shared/data that more than one eval uses."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def default_data_dir() -> str:
    """../shared/data beside the checkout (or beside the worktrees' folder)."""
    if os.environ.get("NEWSBEAM_DATA"):
        return os.environ["NEWSBEAM_DATA"]
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return str(base / "shared" / "data")
    return str(ROOT.parent / "shared" / "data")


def conll_documents(path: str):
    """[(text, [(start, end, type)])] from an IOB1 CoNLL-2003 file."""
    docs, sentences = [], []
    sentence: list[tuple[str, str]] = []

    def flush_sentence():
        if sentence:
            sentences.append(list(sentence))
            sentence.clear()

    def flush_doc():
        flush_sentence()
        if sentences:
            docs.append(_conll_doc(sentences))
            sentences.clear()

    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                flush_sentence()
            elif parts[0] == "-DOCSTART-":
                flush_doc()
            else:
                sentence.append((parts[0], parts[-1]))
    flush_doc()
    return docs


def _conll_doc(sentences):
    text_parts, gold, offset = [], [], 0
    for sentence in sentences:
        current = None
        for index, (token, tag) in enumerate(sentence):
            start = offset
            offset += len(token)
            text_parts.append(token)
            kind = tag[2:] if tag != "O" else None
            if kind and current and current[2] == kind and not tag.startswith("B-"):
                current[1] = offset
            else:
                if current:
                    gold.append(tuple(current))
                current = [start, offset, kind] if kind else None
            sep = " " if index < len(sentence) - 1 else "\n"
            text_parts.append(sep)
            offset += 1
        if current:
            gold.append(tuple(current))
    return "".join(text_parts), gold
