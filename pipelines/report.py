"""`newsbeam report`: the Parquet output read with DuckDB, written as ONE self-contained HTML page.

The page needs no network: charts are inline SVG (pipelines/charts.py), the little JavaScript it
has (evidence on click) and its CSS are inline too. Sections:

    articles per outlet per day, languages · syndication (largest copy groups, who carried each and
    how long after the original) · stories across outlets · stance toward each target, per outlet
    and per holder, evidence on hover and click · top entities per day · dead letters by stage/reason

A section without data says why (no copies found, no --targets given, ...) instead of drawing an
empty chart. `collect()` returns plain data (tests and other tools can use it); `render()` makes HTML.
"""
from __future__ import annotations

import datetime as dt
import glob
import json
import os
from html import escape

from pipelines import charts

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


# --------------------------------------------------------------------------- reading the output


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
               arg_min(title, seen_at) AS title, list(DISTINCT outlet ORDER BY outlet) AS outlet_list
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


# --------------------------------------------------------------------------- rendering


def _section(anchor: str, title: str, body: str, intro: str = "") -> str:
    intro = f'<p class="intro">{intro}</p>' if intro else ""
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>{intro}{body}</section>'


def _empty(why: str) -> str:
    return f'<p class="empty">{why}</p>'


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else "—"


def _lag(hours) -> str:
    if hours is None:
        return "time unknown"
    if abs(hours) < 1:
        return f"+{hours * 60:.0f} min"
    if abs(hours) < 48:
        return f"+{hours:.1f} h"
    return f"+{hours / 24:.1f} days"


def _link(title: str, url: str | None) -> str:
    return f'<a href="{escape(url)}">{escape(title)}</a>' if url else escape(title)


def render_overview(data: dict) -> str:
    dead = len(data["dead_letters"])
    cards = [("articles", data["articles"])]
    if data["articles"]:
        days = sorted({r["day"] for r in data["per_day_outlet"]})
        cards += [("outlets", len({r["outlet"] for r in data["per_day_outlet"]})),
                  ("days", f"{days[0]} → {days[-1]}" if len(days) > 1 else days[0]),
                  ("languages", len({r["language"] for r in data["per_outlet_language"]})),
                  ("syndicated copies", data["duplicates"]),
                  ("stories across outlets", len(data["stories"]))]
    cards.append(("dead letters", dead))
    html = '<div class="cards">' + "".join(
        f'<div class="card"><b>{escape(str(v))}</b><span>{escape(k)}</span></div>' for k, v in cards) + "</div>"
    run = data.get("run")
    if run:
        html += (f'<p class="intro">Latest run <code>{escape(str(run.get("run_id")))}</code>: '
                 f'{run.get("inputs", "?")} inputs from {run.get("files", "?")} files → '
                 f'{run.get("articles_written", "?")} articles written, {run.get("dead_letters", "?")} dead letters '
                 f'in {run.get("seconds", "?")} s{"" if run.get("balanced", True) else " (counts did not balance)"}.</p>')
    return html


def outlet_colours(data: dict) -> dict[str, str]:
    """The same colour for an outlet in every chart of the page."""
    return charts.colour_map(sorted({r["outlet"] for r in data.get("per_day_outlet", [])}))


def render_volume(data: dict) -> str:
    if not data["articles"]:
        return _section("volume", "Articles per outlet per day",
                        _empty(f"No articles under <code>{escape(data['output'])}/articles</code> yet: "
                               "run <code>newsbeam run --input … --output DIR</code> first."))
    outlets = sorted({r["outlet"] for r in data["per_day_outlet"]})
    days = sorted({r["day"] for r in data["per_day_outlet"]})
    colours = outlet_colours(data)
    values = {(r["day"], r["outlet"]): r["n"] for r in data["per_day_outlet"]}
    body = charts.legend(outlets, colours) + charts.columns_stacked("articles-per-day", days, outlets, values, colours)
    languages = sorted({r["language"] for r in data["per_outlet_language"]},
                       key=lambda lang: -sum(r["n"] for r in data["per_outlet_language"] if r["language"] == lang))
    lang_colours = charts.colour_map(languages)
    lang_values = {(r["outlet"], r["language"]): r["n"] for r in data["per_outlet_language"]}
    body += ('<h3>Languages per outlet</h3>' + charts.legend(languages, lang_colours)
             + charts.hbar_stacked("languages", outlets, languages, lang_values, lang_colours))
    return _section("volume", "Articles per outlet per day", body,
                    f"{data['articles']} article rows (syndicated copies included) from {len(outlets)} outlets "
                    f"over {len(days)} day{'s' if len(days) != 1 else ''}, by UTC publication day.")


def render_syndication(data: dict) -> str:
    title = "Syndication: the largest copy groups"
    if not data["articles"]:
        return _section("syndication", title, _empty("No articles yet."))
    groups = data["copy_groups"]
    if not groups:
        return _section("syndication", title, _empty(
            "No copy groups: every article's text is its own (no row has another outlet's copy of it), "
            "so there is nothing syndicated to show."))
    outlets = sorted({c["outlet"] for g in groups for c in g["copies"]})
    colours = outlet_colours(data)
    rows = [{"label": f'{g["title"]} ({len(g["copies"])})',
             "copies": [{"outlet": c["outlet"], "hours": c["hours"] or 0, "original": c["original"],
                         "tip": f'{c["outlet"]}: {"original" if c["original"] else _lag(c["hours"])} · '
                                f'{_time(c["seen_at"])}\n{c["title"] or ""}'} for c in g["copies"]]}
            for g in groups]
    body = (charts.legend(outlets, colours) + charts.lag_dots("syndication-lag", rows, colours)
            + '<p class="note">■ original · ● copy, placed by how long after the original it was published</p>')
    table_rows = []
    for g in groups:
        carriers = "<br>".join(
            f'<span class="dot" style="background:{colours[c["outlet"]]}"></span>{escape(c["outlet"])} '
            f'<span class="muted">{"original, " + _time(c["seen_at"]) if c["original"] else _lag(c["hours"])}</span>'
            for c in g["copies"])
        table_rows.append([_link(g["title"], g["copies"][0].get("url")), str(len(g["copies"])), carriers])
    body += _table(["original", "copies", "carried by (delay after the original)"], table_rows, "groups")
    return _section("syndication", title, body,
                    f'{data["duplicates"]} rows are copies of an earlier article; the {len(groups)} largest groups:')


def render_stories(data: dict) -> str:
    title = "Stories across outlets"
    if not data["articles"]:
        return _section("stories", title, _empty("No articles yet."))
    stories = data["stories"]
    if not stories:
        return _section("stories", title, _empty(
            "No story is reported by more than one text or outlet: every article is its own story so far."))
    outlets = sorted({o for s in stories for o in s["outlet_list"]})
    colours = outlet_colours(data)
    ids = [s["story_id"] for s in stories]
    values = {(r["story_id"], r["outlet"]): r["n"] for r in data["story_outlets"] if r["story_id"] in set(ids)}
    labels = {s["story_id"]: s["title"] or "(untitled)" for s in stories}
    body = charts.legend(outlets, colours) + charts.hbar_stacked(
        "stories", ids, outlets, values, colours, row_labels=labels, label_width=300, unit=" articles")
    body += _table(["story (earliest headline)", "outlets", "articles", "distinct texts", "first → last"],
                   [[escape(labels[s["story_id"]]), escape(", ".join(s["outlet_list"])), str(s["articles"]),
                     str(s["texts"]), f'{_time(s["first"])} → {_time(s["last"])}'] for s in stories], "stories")
    return _section("stories", title, body, "The biggest stories by how many outlets reported them.")


def _stance_chart(name: str, rows: list[str], counts: dict, evidence_keys: dict, tips: dict) -> str:
    return charts.hbar_stacked(name, rows, list(STANCE_LABELS), counts, charts.STANCE_COLOURS, keys=evidence_keys,
                               tips=tips, unit=" articles")


def render_stances(data: dict, targets: dict[str, str]) -> tuple[str, dict]:
    """(section HTML, evidence by key for the page's script)."""
    title = "Stance toward each target"
    evidence: dict[str, list[dict]] = {}
    if not data["articles"]:
        return _section("stances", title, _empty("No articles yet.")), evidence
    stances = data["stances"]
    if not stances:
        why = ("No stances: the run was given no targets (<code>newsbeam run --targets FILE</code>), "
               "or no article addressed them.")
        if targets:
            why = (f"No stances: none of the {len(targets)} targets ({escape(', '.join(targets))}) "
                   "was addressed by any article, or the stance stage has not run on this output.")
        return _section("stances", title, _empty(why)), evidence
    body = [charts.legend(STANCE_LABELS, charts.STANCE_COLOURS),
            '<p class="note">Hover over a bar for its first evidence sentence; click it for all of them.</p>']
    counts_of: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    for c in data["stance_counts"]:
        counts_of.setdefault((c["target_id"], c["kind"]), {})[(c["row_name"], c["label"])] = c["n"]
    for target in sorted({c["target_id"] for c in data["stance_counts"]}):
        claim = targets.get(target)
        body.append(f'<h3>{escape(target)}</h3>' + (f'<p class="claim">“{escape(claim)}”</p>' if claim else ""))
        for kind, name in (("outlet", "per outlet (the articles' own stance)"), ("holder", "per holder quoted")):
            counts = counts_of.get((target, kind), {})
            keys = {cell: f"{target}|{kind}|{cell[0]}|{cell[1]}" for cell in counts}
            tips = {}
            for s in stances:
                if s["target_id"] == target and s["kind"] == kind:
                    cell = (s["row_name"], s["label"])
                    evidence.setdefault(keys[cell], []).append(
                        {"evidence": s["evidence"] or "", "outlet": s["outlet"], "title": s["title"] or "",
                         "url": s["url"], "holder": s["holder"], "score": s["score"], "day": s["day"]})
                    if cell not in tips and s["evidence"]:
                        tips[cell] = f'“{charts._short(s["evidence"], 160)}”'
            order = sorted({r for r, _ in counts}, key=lambda r: (-sum(counts.get((r, l), 0) for l in STANCE_LABELS), r))
            if kind == "holder":
                order = order[:TOP_HOLDERS]
            body.append(f'<h4>{escape(target)} · {escape(name)}</h4>')
            if not order:
                why = ("No article takes a stance of its own on it." if kind == "outlet"
                       else "No quoted person, organisation or country takes a stance on it.")
                body.append(_empty(why))
                continue
            body.append(_stance_chart(f"stance-{kind}-{target}", order, counts, keys, tips))
            body.append(f'<div class="evidence" data-for="stance-{kind}-{escape(target)}" hidden></div>')
    total = sum(c["n"] for c in data["stance_counts"])
    intro = f"{total} stances in {data['stance_articles']} articles."
    return _section("stances", title, "".join(body), intro), evidence


def render_entities(data: dict) -> str:
    title = "Top entities per day"
    if not data["articles"]:
        return _section("entities", title, _empty("No articles yet."))
    rows = data["entities_per_day"]
    if not rows:
        return _section("entities", title, _empty(
            "No named entities in any article: the entity stage has not run on this output, "
            "or it found no people, organisations or places."))
    top = [e["name"] for e in data["top_entities"]]
    days = data["entity_days"]
    values = {(r["name"], r["day"]): r["n"] for r in rows if r["name"] in set(top)}
    labels = {e["name"]: f'{e["name"]} ({e["label"]})' for e in data["top_entities"]}
    body = charts.heatmap("entities-per-day", top, days, values, row_labels=labels)
    per_day = []
    for day in days:
        names = [r for r in rows if r["day"] == day][:ENTITIES_PER_DAY]  # rows are ordered by count
        per_day.append([escape(day), ", ".join(f'{escape(r["name"])} <span class="muted">{r["n"]}</span>'
                                               for r in names)])
    body += _table(["day", f"top {ENTITIES_PER_DAY} entities (articles mentioning them)"], per_day, "entities")
    return _section("entities", title, body,
                    f"Articles mentioning each entity, by day ({data['with_entities']} articles have entities).")


def render_dead_letters(data: dict) -> str:
    title = "Dead letters by stage and reason"
    dead = data["dead_letters"]
    if not dead:
        return _section("dead-letters", title, _empty(
            "No dead letters: every input read became an article." if data["articles"]
            else f"No dead letters under <code>{escape(data['output'])}/dead_letter</code>."))
    counts: dict[tuple[str, str], int] = {}
    examples: dict[tuple[str, str], dict] = {}
    for d in dead:
        key = (str(d.get("stage", "?")), str(d.get("reason", "?")))
        counts[key] = counts.get(key, 0) + 1
        examples.setdefault(key, d)
    stages = sorted({s for s, _ in counts}, key=lambda s: (-sum(n for (t, _), n in counts.items() if t == s), s))
    reasons = sorted({r for _, r in counts}, key=lambda r: (-sum(n for (_, q), n in counts.items() if q == r), r))
    colours = charts.colour_map(reasons)
    body = charts.legend(reasons, colours) + charts.hbar_stacked("dead-letters", stages, reasons, counts, colours,
                                                                 unit=" inputs")
    body += _table(["stage", "reason", "inputs", "example"],
                   [[escape(s), escape(r), str(n),
                     f'<code>{escape(str(examples[(s, r)].get("input_ref", "")))}</code> '
                     f'<span class="muted">{escape(charts._short(examples[(s, r)].get("message", ""), 140))}</span>']
                    for (s, r), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))], "dead")
    return _section("dead-letters", title, body,
                    f"{len(dead)} inputs could not become articles; each is kept under "
                    f"<code>dead_letter/stage=STAGE/</code> with its reason.")


CSS = """
:root{--ink:#1d2433;--muted:#6b7280;--line:#e5e7eb;--bg:#f7f7f5}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#1d2433;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c7cbd4}
nav{padding:8px 28px;background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
nav a{margin-right:16px;color:#2456a6;text-decoration:none}
main{max-width:1000px;margin:0 auto;padding:10px 20px 40px}
section{scroll-margin-top:44px;background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 20px;margin:16px 0}
h2{font-size:18px;margin:4px 0 8px}h3{font-size:15px;margin:18px 0 6px}h4{font-size:13px;margin:12px 0 4px;color:#374151}
.intro,.note{color:var(--muted);margin:4px 0 10px}.claim{font-style:italic;color:#374151;margin:0 0 6px}
.empty{padding:14px;background:#fafafa;border:1px dashed #cfd3da;border-radius:6px;color:#4b5563}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}
.legend{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0;font-size:12px}.key i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;margin:10px 0;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}.muted{color:var(--muted)}.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:5px}
svg.chart{display:block;margin:4px 0}.clickable{cursor:pointer}.clickable:hover{opacity:.8}rect.selected{stroke:#111;stroke-width:2}
.evidence{border-left:3px solid #2456a6;background:#f5f8fd;padding:8px 12px;margin:6px 0 12px}
.evidence blockquote{margin:6px 0;padding:0}.evidence cite{display:block;color:var(--muted);font-style:normal;font-size:12px}
code{background:#f1f2f4;padding:0 4px;border-radius:3px}
"""

SCRIPT = """
(function () {
  var evidence = JSON.parse(document.getElementById('evidence-data').textContent);
  function esc(text) { var d = document.createElement('div'); d.textContent = text == null ? '' : String(text); return d.innerHTML; }
  document.querySelectorAll('svg.chart [data-key]').forEach(function (mark) {
    mark.addEventListener('click', function () {
      var svg = mark.closest('svg');
      var panel = document.querySelector('.evidence[data-for="' + svg.getAttribute('data-chart') + '"]');
      var items = evidence[mark.getAttribute('data-key')] || [];
      var parts = mark.getAttribute('data-key').split('|');
      var label = parts[parts.length - 1], row = parts.slice(2, -1).join('|');
      svg.querySelectorAll('.selected').forEach(function (m) { m.classList.remove('selected'); });
      mark.classList.add('selected');
      panel.innerHTML = '<b>' + esc(row) + ' · ' + esc(label) + ' · ' + items.length + ' evidence sentence' +
        (items.length === 1 ? '' : 's') + '</b>' + items.map(function (e) {
          var title = e.url ? '<a href="' + esc(e.url) + '">' + esc(e.title) + '</a>' : esc(e.title);
          return '<blockquote>“' + esc(e.evidence) + '”<cite>' + esc(e.holder) + ' · ' + esc(e.outlet) + ' · ' +
            esc(e.day) + ' · ' + title + '</cite></blockquote>';
        }).join('');
      panel.hidden = false;
    });
  });
  document.documentElement.setAttribute('data-report-ready', String(document.querySelectorAll('svg.chart').length));
})();
"""


def render(data: dict, targets: dict[str, str] | None = None, generated: dt.datetime | None = None) -> str:
    generated = generated or dt.datetime.now(dt.timezone.utc)
    stances_html, evidence = render_stances(data, targets or {})
    sections = [render_volume(data), render_syndication(data), render_stories(data), stances_html,
                render_entities(data), render_dead_letters(data)]
    links = [("volume", "Articles"), ("syndication", "Syndication"), ("stories", "Stories"), ("stances", "Stances"),
             ("entities", "Entities"), ("dead-letters", "Dead letters")]
    evidence_json = json.dumps(evidence, ensure_ascii=False, default=str).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsbeam report · {escape(os.path.basename(os.path.abspath(data['output'])))}</title>
<style>{CSS}</style></head>
<body>
<header><h1>newsbeam report</h1><p>{escape(data['output'])} · generated {generated:%Y-%m-%d %H:%M} UTC</p></header>
<nav>{''.join(f'<a href="#{a}">{escape(t)}</a>' for a, t in links)}</nav>
<main>
{render_overview(data)}
{''.join(sections)}
</main>
<script type="application/json" id="evidence-data">{evidence_json}</script>
<script>{SCRIPT}</script>
</body></html>
"""


def load_targets(path: str | None) -> dict[str, str]:
    """target id → claim, from the same --targets file the run was given (optional)."""
    if not path:
        return {}
    from pipelines.options import load_config
    spec = load_config(path).get("targets") or []
    return {str(t["id"]): str(t.get("claim", "")) for t in spec if isinstance(t, dict) and t.get("id")}


def write_report(output: str, html_path: str | None = None, targets: str | None = None) -> str:
    html_path = html_path or os.path.join(output, "report.html")
    page = render(collect(output), load_targets(targets))
    os.makedirs(os.path.dirname(os.path.abspath(html_path)), exist_ok=True)
    temp = html_path + ".tmp"
    with open(temp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(temp, html_path)
    return html_path
