"""`newsbeam show`: the written articles read back with DuckDB, as a table for a terminal, and what
else the output folder holds (dead letters, runs), so that an empty or partial output says what is missing."""
from __future__ import annotations

import glob
import os
import posixpath


class ShowError(Exception):
    """The folder cannot be shown (it does not exist): one line for the command."""


def articles_glob(output: str) -> str:
    return posixpath.join(output, "articles", "**", "*.parquet")


def query_articles(output: str, limit: int = 50):
    """(up to `limit` rows, header, how many articles there are in all)."""
    import duckdb
    source = f"read_parquet('{articles_glob(output)}', hive_partitioning = true, union_by_name = true)"
    con = duckdb.connect()
    total = con.sql(f"SELECT count(*) FROM {source}").fetchall()[0][0]
    rows = con.sql(f"""SELECT outlet, date, language, title, word_count AS words FROM {source}
                       ORDER BY date, outlet, title LIMIT {int(limit)}""").fetchall()
    return rows, ["outlet", "date", "language", "title", "words"], total


def _contents(output: str) -> str:
    """What else the folder holds: dead letters (lines of dead_letter/**/*.jsonl) and run summaries."""
    dead = 0
    for path in glob.glob(os.path.join(output, "dead_letter", "**", "*.jsonl"), recursive=True):
        with open(path, encoding="utf-8") as f:
            dead += sum(1 for line in f if line.strip())
    runs = len(glob.glob(os.path.join(output, "_runs", "*.json")))
    return f"{dead} dead letters under dead_letter/, {runs} run summaries under _runs/"


def show(output: str, limit: int = 50, title_width: int = 70) -> str:
    remote = "://" in output
    if not remote and not os.path.isdir(output):
        raise ShowError(f"output folder not found: {output}")
    if not remote and not glob.glob(articles_glob(output), recursive=True):
        return f"no articles in {output} yet ({_contents(output)})"
    rows, header, total = query_articles(output, limit)
    cells = [[str(v) if v is not None else "" for v in row] for row in rows]
    for row in cells:
        if len(row[3]) > title_width:
            row[3] = row[3][: title_width - 1] + "…"
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    line = lambda values: "  ".join(v.ljust(w) if i != 4 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))
    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in cells]
    shown = f"{len(rows)} articles" if len(rows) == total else f"{len(rows)} of {total} articles shown (--limit)"
    out.append(f"({shown}; {_contents(output)})" if not remote else f"({shown})")
    return "\n".join(out)
