"""What the report shows, read from a run's output with DuckDB as plain Python data (`collect`)."""
from __future__ import annotations

import datetime as dt
import glob
import json
import os

TOP_GROUPS = 12
TOP_STORIES = 12
TOP_HOLDERS = 15
TOP_ENTITIES = 15
ENTITIES_PER_DAY = 8
MAX_DAYS_IN_HEATMAP = 31
EVIDENCE_PER_KEY = 20
STANCE_LABELS = ("support", "neutral", "oppose")
HOLDER_NAMES = {"PERSON": "person", "ORG": "organisation", "LOC": "country/place", "GPE": "country/place"}


class ReportError(Exception):
    """Printed as one line by the command."""


def _articles_sql(output: str) -> str:
    pattern = os.path.join(output, "articles", "**", "*.parquet").replace("'", "''")
    return f"read_parquet('{pattern}', hive_partitioning = true, union_by_name = true)"


def _rows(con, sql: str) -> list[dict]:
    rel = con.sql(sql)
    return [dict(zip(rel.columns, row)) for row in rel.fetchall()]


def _when(row: dict) -> dt.datetime | None:
    return row.get("published_at") or row.get("fetched_at")


def read_dead_letters(output: str) -> list[dict]:
    records = []
    for path in sorted(glob.glob(os.path.join(output, "dead_letter", "stage=*", "*.jsonl"))):
        stage_from_path = os.path.basename(os.path.dirname(path)).split("=", 1)[1]
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    record.setdefault("stage", stage_from_path)
                    records.append(record)
    return records


def latest_run(output: str) -> dict | None:
    runs = sorted(glob.glob(os.path.join(output, "_runs", "*.json")))
    if not runs:
        return None
    try:
        with open(runs[-1], encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def collect(output: str) -> dict:
    """Everything the page shows, as plain Python data."""
    import duckdb

    if not os.path.isdir(output):
        raise ReportError(f"output folder not found: {output}")
    data = {"output": output, "run": latest_run(output), "dead_letters": read_dead_letters(output)}
    if not glob.glob(os.path.join(output, "articles", "**", "*.parquet"), recursive=True):
        data["articles"] = 0
        return data

    con = duckdb.connect()
    con.sql(f"""CREATE TEMP VIEW a AS SELECT *, CAST(date AS VARCHAR) AS day,
                   coalesce(published_at, fetched_at) AS seen_at FROM {_articles_sql(output)}""")
    data["articles"] = con.sql("SELECT count(*) FROM a").fetchall()[0][0]
    data["per_day_outlet"] = _rows(con, "SELECT day, outlet, count(*) AS n FROM a GROUP BY ALL ORDER BY day, outlet")
    data["per_outlet_language"] = _rows(con, """SELECT outlet, coalesce(language, 'und') AS language, count(*) AS n
                                                FROM a GROUP BY ALL ORDER BY outlet, n DESC""")
    # syndication: copy groups with more than one row
    groups = _rows(con, f"""
        SELECT cluster_id, count(*) AS copies, count(DISTINCT outlet) AS outlets
        FROM a GROUP BY cluster_id HAVING count(*) > 1
        ORDER BY copies DESC, outlets DESC, cluster_id LIMIT {TOP_GROUPS}""")
    members = _rows(con, f"""
        SELECT cluster_id, article_id, outlet, title, url, seen_at, is_duplicate, duplicate_of FROM a
        WHERE cluster_id IN ({", ".join(_quote(g["cluster_id"]) for g in groups) or "NULL"})
        ORDER BY cluster_id, is_duplicate, seen_at, outlet""")
    data["copy_groups"] = _copy_groups(groups, members)
    data["duplicates"] = con.sql("SELECT count(*) FROM a WHERE is_duplicate").fetchall()[0][0]
    # stories: rows with different texts about the same event
    data["stories"] = _rows(con, f"""
        SELECT story_id, count(*) AS articles, count(DISTINCT outlet) AS outlets,
               count(DISTINCT cluster_id) AS texts, min(seen_at) AS first, max(seen_at) AS last,
               arg_min(title, seen_at) AS title, list(DISTINCT outlet ORDER BY outlet) AS outlet_list,
               list(DISTINCT coalesce(language, 'und') ORDER BY coalesce(language, 'und')) AS language_list
        FROM a GROUP BY story_id HAVING count(DISTINCT cluster_id) > 1 OR count(DISTINCT outlet) > 1
        ORDER BY outlets DESC, articles DESC, first LIMIT {TOP_STORIES}""")
    data["story_outlets"] = _rows(con, """SELECT story_id, outlet, count(*) AS n FROM a GROUP BY ALL""")
    # stances: counts per (target, outlet or holder, label), and the strongest evidence of each
    holder_name = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in HOLDER_NAMES.items())
    con.sql(f"""CREATE TEMP VIEW st AS SELECT s.target_id,
                   CASE WHEN s.holder_type = 'article' THEN 'outlet' ELSE 'holder' END AS kind,
                   CASE WHEN s.holder_type = 'article' THEN outlet
                        ELSE s.holder || ' (' || CASE s.holder_type {holder_name} ELSE s.holder_type END || ')'
                   END AS row_name,
                   CASE WHEN s.label IN ('support', 'oppose') THEN s.label ELSE 'neutral' END AS label,
                   s.holder, s.score, s.evidence, outlet, title, url, day, article_id
               FROM (SELECT outlet, title, url, day, article_id, unnest(stances) AS s FROM a WHERE len(stances) > 0)""")
    data["stance_counts"] = _rows(con, """SELECT target_id, kind, row_name, label, count(*) AS n FROM st
                                          GROUP BY ALL ORDER BY target_id, kind, row_name""")
    data["stance_articles"] = con.sql("SELECT count(DISTINCT article_id) FROM st").fetchall()[0][0]
    data["stances"] = _rows(con, f"""
        SELECT * EXCLUDE (article_id) FROM st
        QUALIFY row_number() OVER (PARTITION BY target_id, kind, row_name, label
                                   ORDER BY score DESC NULLS LAST, day, outlet) <= {EVIDENCE_PER_KEY}
        ORDER BY target_id, kind, row_name, label, score DESC NULLS LAST, day, outlet""")
    # entities: in how many articles each (canonical) name appears, overall and per day
    con.sql("""CREATE TEMP VIEW ent AS SELECT DISTINCT day, article_id,
                   coalesce(nullif(e.canonical, ''), e.text) AS name, e.label
               FROM (SELECT day, article_id, unnest(entities) AS e FROM a WHERE len(entities) > 0)""")
    data["top_entities"] = _rows(con, f"""SELECT name, mode(label) AS label, count(DISTINCT article_id) AS n
                                          FROM ent GROUP BY name ORDER BY n DESC, name LIMIT {TOP_ENTITIES}""")
    data["entity_days"] = [r["day"] for r in _rows(con, f"""
        SELECT DISTINCT day FROM ent ORDER BY day DESC LIMIT {MAX_DAYS_IN_HEATMAP}""")][::-1]
    data["entities_per_day"] = _rows(con, f"""
        SELECT day, name, n FROM (SELECT day, name, count(DISTINCT article_id) AS n FROM ent GROUP BY day, name)
        QUALIFY row_number() OVER (PARTITION BY day ORDER BY n DESC, name) <= {ENTITIES_PER_DAY}
            OR name IN (SELECT name FROM ent GROUP BY name ORDER BY count(DISTINCT article_id) DESC, name
                        LIMIT {TOP_ENTITIES})
        ORDER BY day, n DESC, name""")
    data["with_entities"] = con.sql("SELECT count(*) FROM a WHERE len(entities) > 0").fetchall()[0][0]
    return data


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _copy_groups(groups: list[dict], members: list[dict]) -> list[dict]:
    by_cluster: dict[str, list[dict]] = {}
    for m in members:
        by_cluster.setdefault(m["cluster_id"], []).append(m)
    result = []
    for g in groups:
        rows = by_cluster.get(g["cluster_id"], [])
        if not rows:
            continue
        original = next((r for r in rows if not r["is_duplicate"]), None) or min(
            rows, key=lambda r: (_when(r) is None, _when(r) or dt.datetime.max, r["article_id"]))
        start = original["seen_at"]
        copies = []
        for r in rows:
            hours = None
            if start is not None and r["seen_at"] is not None:
                hours = (r["seen_at"] - start).total_seconds() / 3600
            copies.append({**r, "original": r is original, "hours": hours})
        copies.sort(key=lambda c: (not c["original"], c["hours"] if c["hours"] is not None else 1e9, c["outlet"]))
        result.append({"cluster_id": g["cluster_id"], "title": original["title"] or "(untitled)",
                       "outlet": original["outlet"], "seen_at": start, "copies": copies, "outlets": g["outlets"]})
    return result
