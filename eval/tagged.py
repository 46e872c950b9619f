"""Articles tagged the way the pipeline tags them (language, then entities), cached between eval runs.

Stories read the entities that TagArticles put on an article, so the story evals tag their texts
with the pipeline's own DetectLanguage and TagArticles code (no Beam: the plain methods). Parsing is
the slow part (about 12 articles/s with spaCy here), so each text's language and entities are kept
in a SQLite file keyed by a hash of the text, the model table and the tagging code: outside the repository, under
$XDG_CACHE_HOME (default ~/.cache)/newsbeam-eval/.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "newsbeam-eval" / "tagged.sqlite"


def tagger_version() -> str:
    """A digest of the tagging code and its word lists: a change to either tags the texts again."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "transforms" / "analysis").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt", ".json", ".yaml"):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _key(models: dict, text: str, language: str | None, version: str) -> str:
    spec = json.dumps([sorted(models.items()), version, language, text], ensure_ascii=False)
    return hashlib.sha1(spec.encode("utf-8")).hexdigest()


def tag_articles(articles: list[dict], batch: int = 64, progress: bool = True) -> list[dict]:
    """`articles` with `language`, `language_score` (when they have no `language`) and `entities`,
    in place; texts already in the cache are not parsed again."""
    from transforms.analysis.entities import ner_models
    from transforms.analysis.tag import TagArticlesDoFn
    from transforms.text.language import detect_language
    models = ner_models()
    path = cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE IF NOT EXISTS tagged (key TEXT PRIMARY KEY, value TEXT)")
    todo = []
    version = tagger_version()
    for article in articles:
        key = _key(models, article.get("text") or "", article.get("language"), version)
        found = con.execute("SELECT value FROM tagged WHERE key = ?", (key,)).fetchone()
        if found:
            article.update(json.loads(found[0]))
        else:
            todo.append((key, article))
    if todo:
        tagger = TagArticlesDoFn(models, [])
        tagger.setup()
        for start in range(0, len(todo), batch):
            chunk = todo[start:start + batch]
            for _, article in chunk:
                if not article.get("language"):
                    article["language"], article["language_score"] = detect_language(article.get("text") or "")
            for (key, article), doc in zip(chunk, tagger.parse([a for _, a in chunk])):
                tagger.tag(article, doc)
                value = {"language": article["language"], "language_score": article.get("language_score"),
                         "entities": article["entities"]}
                con.execute("INSERT OR REPLACE INTO tagged VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))
            con.commit()
            if progress:
                print(f"  tagged {min(start + batch, len(todo))}/{len(todo)} new texts", file=sys.stderr, flush=True)
    con.close()
    for article in articles:
        article.pop("quotes", None), article.pop("stances", None), article.pop("tone", None)
    return articles
