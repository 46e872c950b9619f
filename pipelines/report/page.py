"""The report page: one self-contained HTML document (inline SVG charts, CSS and a few lines of
script), rendered from what `data.collect` read."""
from __future__ import annotations

import datetime as dt
import json
import os
from html import escape

from pipelines.report import charts
from pipelines.report.data import ENTITIES_PER_DAY, STANCE_LABELS, TOP_HOLDERS


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
                 f'{run.get("articles_written", "?")} articles written, '
                 f'{run.get("already_present", 0)} already present, {run.get("dead_letters", "?")} dead letters '
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


WHY_EMPTY = {
    "syndication": "No copy groups: every article's text is its own (no row has another outlet's copy of it), "
                   "so there is nothing syndicated to show.",
    "stories": "No story is reported by more than one text or outlet: every article is its own story so far.",
    "entities": "No named entities in any article: the entity stage has not run on this output, "
                "or it found no people, organisations or places.",
}


def _nothing_to_show(data: dict, anchor: str, title: str, key: str) -> str | None:
    """The section, saying why it is empty, when there are no articles or no `data[key]`; else None."""
    if not data["articles"]:
        return _section(anchor, title, _empty("No articles yet."))
    return None if data.get(key) else _section(anchor, title, _empty(WHY_EMPTY[anchor]))


def render_syndication(data: dict) -> str:
    title = "Syndication: the largest copy groups"
    if empty := _nothing_to_show(data, "syndication", title, "copy_groups"):
        return empty
    groups = data["copy_groups"]
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
    if empty := _nothing_to_show(data, "stories", title, "stories"):
        return empty
    stories = data["stories"]
    outlets = sorted({o for s in stories for o in s["outlet_list"]})
    colours = outlet_colours(data)
    ids = [s["story_id"] for s in stories]
    values = {(r["story_id"], r["outlet"]): r["n"] for r in data["story_outlets"] if r["story_id"] in set(ids)}
    labels = {s["story_id"]: s["title"] or "(untitled)" for s in stories}
    body = charts.legend(outlets, colours) + charts.hbar_stacked(
        "stories", ids, outlets, values, colours, row_labels=labels, label_width=300, unit=" articles")
    body += _table(["story (earliest headline)", "outlets", "languages", "articles", "distinct texts", "first → last"],
                   [[escape(labels[s["story_id"]]), escape(", ".join(s["outlet_list"])),
                     escape(", ".join(s["language_list"])), str(s["articles"]), str(s["texts"]),
                     f'{_time(s["first"])} → {_time(s["last"])}'] for s in stories], "stories")
    return _section("stories", title, body, "The biggest stories by how many outlets reported them, "
                    "and in which languages (one story may be reported in several).")


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
    if empty := _nothing_to_show(data, "entities", title, "entities_per_day"):
        return empty
    rows = data["entities_per_day"]
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
