"""`newsbeam show`: the written articles read back with DuckDB, as a table for a terminal."""
from __future__ import annotations

import posixpath


def articles_glob(output: str) -> str:
    return posixpath.join(output, "articles", "**", "*.parquet")


def query_articles(output: str, limit: int = 50):
    import duckdb
    sql = f"""
        SELECT outlet, date, language, title, len(string_split(text, ' ')) AS words
        FROM read_parquet('{articles_glob(output)}', hive_partitioning = true)
        ORDER BY date, outlet, title
        LIMIT {int(limit)}"""
    return duckdb.sql(sql).fetchall(), ["outlet", "date", "language", "title", "words"]


def show(output: str, limit: int = 50, title_width: int = 70) -> str:
    rows, header = query_articles(output, limit)
    cells = [[str(v) if v is not None else "" for v in row] for row in rows]
    for row in cells:
        if len(row[3]) > title_width:
            row[3] = row[3][: title_width - 1] + "…"
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    line = lambda values: "  ".join(v.ljust(w) if i != 4 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))
    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} articles)")
    return "\n".join(out)
